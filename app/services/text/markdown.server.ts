import MarkdownIt from "markdown-it";

// The one place Markdown becomes HTML: task descriptions, activity notes and
// Markdown deliverables. Rendered on the server and sent as HTML, so the
// parser never ships to the browser. Pages insert only this module's output
// with dangerouslySetInnerHTML.
//
// Policy (decision 030):
// - raw HTML is never passed through (`html: false`): "<script>" stays text;
// - links and images keep only http(s) and mailto addresses, and relative ones;
//   javascript:, vbscript:, data:, file: and anything unparsable become text;
// - bare http(s) URLs and e-mail addresses become links (`linkify`); names
//   without a scheme ("report.md") stay text;
// - every link opens in a new tab with rel="noopener noreferrer nofollow";
// - images are shown only from this origin (the page's CSP allows no other
//   image source); any other image becomes a plain link to it;
// - nothing the renderer writes carries a style or an event handler, so the
//   output works under the document CSP (no inline script or style).

const ALLOWED_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** True for an address a link may point at: http(s), mailto, or relative to this site. */
export function safeLinkTarget(url: string): boolean {
  const trimmed = url.trim();
  if (trimmed === "") return false;
  // Control characters and whitespace inside a scheme are how "java\tscript:" slips past a naive test.
  // oxlint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed);
  if (!scheme) return !trimmed.startsWith("//") && !trimmed.startsWith("\\");
  return ALLOWED_SCHEMES.has(scheme[1]!.toLowerCase() + ":");
}

/** An image source the page may load: same-origin paths only ("/…", not "//host"). */
function sameOriginImage(src: string): boolean {
  return src.startsWith("/") && !src.startsWith("//") && !src.startsWith("/\\");
}

function createRenderer() {
  const md = new MarkdownIt("default", { html: false, linkify: true, typographer: false, breaks: true });
  md.validateLink = safeLinkTarget;
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    token.attrSet("rel", "noopener noreferrer nofollow");
    token.attrSet("target", "_blank");
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  md.renderer.rules.image = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    const src = String(token.attrGet("src") ?? "");
    const alt = self.renderInlineAsText(token.children ?? [], options, _env);
    if (sameOriginImage(src)) return `<img src="${md.utils.escapeHtml(src)}" alt="${md.utils.escapeHtml(alt)}" loading="lazy">`;
    return `<a href="${md.utils.escapeHtml(src)}" rel="noopener noreferrer nofollow" target="_blank">${md.utils.escapeHtml(alt || src)}</a>`;
  };
  // Table alignment comes as a style attribute, which the CSP refuses (and logs): a class instead.
  for (const rule of ["th_open", "td_open"] as const) {
    md.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
      const token = tokens[idx]!;
      const align = /text-align:(left|right|center)/.exec(String(token.attrGet("style") ?? ""))?.[1];
      token.attrs = (token.attrs ?? []).filter(([name]) => name !== "style");
      if (align) token.attrSet("class", `align-${align}`);
      return self.renderToken(tokens, idx, options);
    };
  }
  return md;
}

const renderer = createRenderer();

/** Markdown to safe HTML (block level: paragraphs, lists, code, tables, links). */
export function renderMarkdown(source: string): string {
  return renderer.render(source);
}

/** One line of Markdown to safe inline HTML (no paragraph), for activity messages. */
export function renderMarkdownInline(source: string): string {
  return renderer.renderInline(source);
}
