import { describe, expect, it } from "vitest";
import { documentCsp } from "#app/services/http/security-headers.server";
import { renderMarkdown, renderMarkdownInline, safeLinkTarget } from "./markdown.server";

// No script survives: each payload is rendered and the output is searched for
// every way HTML can run code (a script element, an event handler attribute,
// a scriptable or data: address in href/src, an iframe/object/embed, a style).

const PAYLOADS = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  '<img src=x onerror="alert(1)">',
  "<svg onload=alert(1)>",
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click](java\tscript:alert(1))",
  "[click](&#106;avascript:alert(1))",
  "[click](vbscript:msgbox(1))",
  "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![x](javascript:alert(1))",
  "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
  '![x" onerror="alert(1)](/a.png)',
  "<javascript:alert(1)>",
  "<data:text/html,<script>alert(1)</script>>",
  "javascript:alert(1)",
  "www.example.com/<script>alert(1)</script>",
  '[a](https://example.com" onmouseover="alert(1))',
  '<div style="background:url(javascript:alert(1))">x</div>',
  "<object data=x></object><embed src=x>",
  "```html\n<script>alert(1)</script>\n```",
  "<style>body{display:none}</style>",
  '<form action="https://evil.example"><button>x</button></form>',
];

function assertInert(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<(iframe|object|embed|svg|style|form|div|button)\b/i);
  // An attribute that runs code: any on… handler inside a tag, or a style attribute.
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    // Attribute names only: a value is escaped text and may contain anything.
    const names = tag.replace(/"[^"]*"/g, '""');
    expect(names).not.toMatch(/\son[a-z]+\s*=/i);
    expect(names).not.toMatch(/\sstyle\s*=/i);
    for (const [, value] of tag.matchAll(/\s(?:href|src)="([^"]*)"/gi)) {
      expect(value).not.toMatch(/^\s*(javascript|vbscript|data|file):/i);
      expect(safeLinkTarget(value!.replaceAll("&amp;", "&"))).toBe(true);
    }
  }
}

describe("renderMarkdown", () => {
  it.each(PAYLOADS)("leaves no script in %j", (payload) => {
    assertInert(renderMarkdown(payload));
    assertInert(renderMarkdownInline(payload));
  });

  it("keeps raw HTML as visible text", () => {
    expect(renderMarkdown("<script>alert(1)</script>")).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("turns bare URLs into links that open safely", () => {
    const html = renderMarkdown("See https://example.com/docs?a=1&b=2 and write to ops@example.com; report.md stays text.");
    expect(html).toContain(
      '<a href="https://example.com/docs?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">https://example.com/docs?a=1&amp;b=2</a>',
    );
    expect(html).toContain('href="mailto:ops@example.com"');
    expect(html).not.toContain('href="http://report.md"');
  });

  it("renders Markdown structure", () => {
    const html = renderMarkdown("# Title\n\n- **one**\n- `two`\n\n[docs](https://example.com)");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<li><strong>one</strong></li>");
    expect(html).toContain("<code>two</code>");
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">docs</a>');
  });

  it("drops a javascript: link to text and keeps its label", () => {
    const html = renderMarkdown("[click](javascript:alert(1))");
    expect(html).not.toContain("<a");
    expect(html).toContain("[click](javascript:alert(1))");
  });

  it("shows same-origin images and turns other images into links", () => {
    expect(renderMarkdown("![chart](/w/x/tasks/1/files/chart.png)")).toContain('<img src="/w/x/tasks/1/files/chart.png" alt="chart" loading="lazy">');
    const remote = renderMarkdown("![tracker](https://evil.example/pixel.png)");
    expect(remote).not.toContain("<img");
    expect(remote).toContain('<a href="https://evil.example/pixel.png" rel="noopener noreferrer nofollow" target="_blank">tracker</a>');
  });

  it("needs nothing the document CSP forbids: no inline style, script or foreign image", () => {
    const csp = documentCsp("n");
    expect(csp).toContain("script-src 'self' 'nonce-n'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    const html = renderMarkdown("# A\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n![i](/x.png) ![j](https://x.example/j.png)");
    expect(html).not.toMatch(/<script|\son[a-z]+=|\sstyle=|<img[^>]+src="https?:/i);
    expect(html).toContain('<td class="align-right">2</td>');
  });
});

describe("safeLinkTarget", () => {
  it.each(["https://a.example", "http://a.example/x", "mailto:a@example.com", "/w/x", "#top", "docs/a.md", "?q=1"])("allows %s", (url) => {
    expect(safeLinkTarget(url)).toBe(true);
  });
  it.each(["javascript:alert(1)", " JAVASCRIPT:x", "vbscript:x", "data:text/html,x", "file:///etc/passwd", "//evil.example", "java\nscript:x", ""])(
    "refuses %j",
    (url) => {
      expect(safeLinkTarget(url)).toBe(false);
    },
  );
});
