import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, jsonNestsDeeperThan, jsonTextProblem, textProblem } from "./input-limits";

describe("textProblem", () => {
  it("accepts any text PostgreSQL can store, emoji and all", () => {
    for (const ok of ["", "plain", "caf\u00e9 \u2192 \u{1F680}", "tab\tand\nnewline", "\u{10FFFF}"]) expect(textProblem(ok)).toBeNull();
  });

  it("names a NUL character and a lone surrogate", () => {
    expect(textProblem("a\u0000b")).toMatch(/NUL/);
    expect(textProblem("a\ud800b")).toMatch(/lone surrogate/);
    expect(textProblem("\udc00")).toMatch(/lone surrogate/);
  });
});

describe("jsonNestsDeeperThan", () => {
  const nest = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it("counts objects and arrays, up to and past the limit", () => {
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 3)).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ s: "[[[[{{{{" }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'quote \\" then [[[[' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify(["\\", [[1]]]), 2)).toBe(true);
  });

  it("measures a million levels without recursion", () => {
    expect(jsonNestsDeeperThan(nest(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe("jsonTextProblem", () => {
  it("finds text PostgreSQL cannot store in values and keys, with where", () => {
    expect(jsonTextProblem({ a: [1, { b: "ok" }] })).toBeNull();
    expect(jsonTextProblem({ a: [1, { b: "x\u0000" }] })).toEqual({ path: "a.1.b", message: expect.stringMatching(/value contains a NUL/) });
    expect(jsonTextProblem({ meta: { "k\u0000": 1 } })).toEqual({ path: "meta", message: expect.stringMatching(/key contains a NUL/) });
    expect(jsonTextProblem(["\ud800"])).toEqual({ path: "0", message: expect.stringMatching(/lone surrogate/) });
    expect(jsonTextProblem("\u0000")).toEqual({ path: "", message: expect.stringMatching(/NUL/) });
  });

  it("walks a deep value with its own stack", () => {
    let deep: unknown = "x\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonTextProblem(deep)?.message).toMatch(/NUL/);
  });
});
