import { describe, expect, it } from "vitest";
import { isUuid } from "./ids";

describe("isUuid", () => {
  it("accepts uuids in either case", () => {
    expect(isUuid("0b9e2f3c-1d4a-4c5b-8e6f-7a8b9c0d1e2f")).toBe(true);
    expect(isUuid("0B9E2F3C-1D4A-4C5B-8E6F-7A8B9C0D1E2F")).toBe(true);
  });

  it("refuses anything else, including near misses and padding", () => {
    for (const v of [
      null,
      undefined,
      "",
      "x",
      "0b9e2f3c1d4a4c5b8e6f7a8b9c0d1e2f",
      " 0b9e2f3c-1d4a-4c5b-8e6f-7a8b9c0d1e2f",
      "0b9e2f3c-1d4a-4c5b-8e6f-7a8b9c0d1e2g",
      "../etc/passwd",
    ]) {
      expect(isUuid(v)).toBe(false);
    }
  });
});
