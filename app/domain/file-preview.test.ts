import { describe, expect, it } from "vitest";
import { PREVIEW_CSP, previewHref, previewOf } from "./file-preview";

describe("previewOf", () => {
  it("picks the kind and a fixed content type by extension, any case", () => {
    expect(previewOf("chart.PNG")).toEqual({ kind: "image", type: "image/png" });
    expect(previewOf("report.html")).toEqual({ kind: "html", type: "text/html; charset=utf-8" });
    expect(previewOf("notes.md")).toEqual({ kind: "markdown", type: "text/plain; charset=utf-8" });
    expect(previewOf("run.log")).toEqual({ kind: "text", type: "text/plain; charset=utf-8" });
  });

  it("has no preview for other files, and never for SVG (it may carry script)", () => {
    expect(previewOf("archive.zip")).toBeNull();
    expect(previewOf("Makefile")).toBeNull();
    expect(previewOf("logo.svg")).toBeNull();
    expect(previewOf("x.html.exe")).toBeNull();
  });
});

describe("preview policy", () => {
  it("sandboxes without scripts or same-origin, and lets only the app frame it", () => {
    const directives = PREVIEW_CSP.split(";").map((d) => d.trim());
    expect(directives).toContain("sandbox");
    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain("frame-ancestors 'self'");
    expect(PREVIEW_CSP).not.toMatch(/allow-scripts|allow-same-origin|script-src/);
  });

  it("encodes each path segment", () => {
    expect(previewHref("/w/a/tasks/1", "out/my report#1.html")).toBe("/w/a/tasks/1/files/out/my%20report%231.html?preview=1");
  });
});
