import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { Deliverable } from "#app/db/tasks.server";
import { DeliverableList, deliverableFileHref } from "./deliverable-list";

const item = (fields: Partial<Deliverable>): Deliverable => ({
  id: fields.title ?? "id",
  type: "file",
  title: "Untitled",
  path: null,
  url: null,
  description: "",
  created_at: "2026-01-01T00:00:00Z",
  ...fields,
});

const BASE = "/w/acme/tasks/11111111-1111-4111-8111-111111111111";

describe("DeliverableList", () => {
  it("encodes each path segment of a download link", () => {
    expect(deliverableFileHref(BASE, "sub dir/r\u00e9sum\u00e9 #1?.txt")).toBe(`${BASE}/files/sub%20dir/r%C3%A9sum%C3%A9%20%231%3F.txt`);
  });

  it("links file deliverables to the download route and URLs to a new tab without referrer", () => {
    const html = renderToStaticMarkup(
      createElement(DeliverableList, {
        base: BASE,
        deliverables: [
          item({ title: "Report", type: "file", path: "report final.pdf", description: "The <b>report</b>" }),
          item({ title: "Site", type: "url", url: "https://example.com/x" }),
          item({ title: "Notes", type: "artifact", path: "notes.md" }),
        ],
      }),
    );
    expect(html).toContain(`<a href="${BASE}/files/report%20final.pdf" download=""`);
    expect(html).toContain('<a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank">');
    expect(html).toMatch(/<code> (<!-- -->)?report final.pdf<\/code>/);
    expect(html).toContain("The &lt;b&gt;report&lt;/b&gt;");
    // Only file deliverables get a download link.
    expect(html.match(/\/files\//g)).toHaveLength(1);
    expect(html).not.toContain("No deliverables yet.");
  });

  it("says so when there are none", () => {
    expect(renderToStaticMarkup(createElement(DeliverableList, { base: BASE, deliverables: [] }))).toContain("No deliverables yet.");
  });
});
