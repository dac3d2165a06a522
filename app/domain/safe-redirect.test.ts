import { describe, expect, it } from "vitest";
import { safeRedirect } from "./safe-redirect";

describe("safeRedirect", () => {
  it.each(["/", "/w/research", "/tasks/1?tab=activity#log", "/a//b"])("keeps the same-site path %j", (to) => {
    expect(safeRedirect(to)).toBe(to);
  });

  it.each([
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "w/research",
    "/\nLocation: https://evil.example",
    "/\t/evil.example",
    "/a\u0000b",
  ])("refuses %j", (to) => {
    expect(safeRedirect(to)).toBe("/");
  });

  it("percent-encodes what a Location header cannot carry, as UTF-8", () => {
    expect(safeRedirect("/w/caf\u00e9?q=\u2192 x")).toBe("/w/caf%C3%A9?q=%E2%86%92%20x");
    expect(safeRedirect("/\u{1F680}")).toBe("/%F0%9F%9A%80");
    expect(safeRedirect("/already%20encoded")).toBe("/already%20encoded");
    for (const to of ["/caf\u00e9", "/\u2192", "/\u{1F680}", "/a b"]) expect(() => new Headers({ location: safeRedirect(to) })).not.toThrow();
  });

  it("refuses a lone surrogate, which has no UTF-8 form", () => {
    expect(safeRedirect("/a\ud800b")).toBe("/");
  });

  it("uses the fallback for missing values", () => {
    expect(safeRedirect(null, "/home")).toBe("/home");
    expect(safeRedirect(undefined, "/home")).toBe("/home");
    expect(safeRedirect("", "/home")).toBe("/home");
    expect(safeRedirect("//evil", "/home")).toBe("/home");
  });

  it("ignores values that are not strings", () => {
    expect(safeRedirect(42 as unknown as string)).toBe("/");
  });
});
