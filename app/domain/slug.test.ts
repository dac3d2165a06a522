import { describe, expect, it } from "vitest";
import { SLUG_PATTERN, slugify } from "./slug";

describe("slugify", () => {
  it.each([
    ["Research Lab", "research-lab"],
    ["  Ops / Infra  ", "ops-infra"],
    ["Café Déjà Vu", "cafe-deja-vu"],
    ["Ünïcödé", "unicode"],
    ["a--b__c", "a-b-c"],
    ["Version 2.0", "version-2-0"],
    ["---x---", "x"],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("falls back to 'workspace' when nothing usable is left", () => {
    for (const name of ["", "   ", "🚀🚀", "日本語", "---"]) expect(slugify(name)).toBe("workspace");
  });

  it("caps the length at 48 without a trailing dash", () => {
    const slug = slugify(`${"a".repeat(47)} b`);
    expect(slug).toBe("a".repeat(47));
    expect(slugify("x".repeat(100))).toHaveLength(48);
  });

  it("always produces something SLUG_PATTERN accepts", () => {
    for (const name of ["Research Lab", "x".repeat(100), `${"a".repeat(47)} b`, "🚀", "Ça va?", "-a-"]) {
      expect(SLUG_PATTERN.test(slugify(name))).toBe(true);
    }
  });
});

describe("SLUG_PATTERN", () => {
  it.each(["a", "a1", "research-lab", "0-9", "a".repeat(48)])("accepts %j", (slug) => {
    expect(SLUG_PATTERN.test(slug)).toBe(true);
  });

  it.each(["", "-a", "a-", "A", "a_b", "a b", "a".repeat(49), "é"])("rejects %j", (slug) => {
    expect(SLUG_PATTERN.test(slug)).toBe(false);
  });
});
