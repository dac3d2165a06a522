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
