import { describe, expect, it } from "vitest";
import { regionPairs } from "./regions";

describe("which regions a fresh page replaces", () => {
  it("replaces the regions both pages have, once each, in the page's order", () => {
    expect(regionPairs(["header", "workspace-head", "toasts", "board"], ["board", "header", "toasts"])).toEqual(["header", "toasts", "board"]);
    expect(regionPairs(["board", "board"], ["board"])).toEqual(["board"]);
  });

  it("replaces nothing when the answer is another kind of page", () => {
    expect(regionPairs(["header", "board"], [])).toEqual([]);
    expect(regionPairs(["board"], ["task"])).toEqual([]);
  });
});
