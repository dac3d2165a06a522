import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  it("starts between half a second and a second", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1000);
  });

  it("doubles per attempt", () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it("never exceeds 30 s and never drops below half the window", () => {
    for (const attempt of [5, 6, 10, 50, 1000]) {
      expect(backoffDelay(attempt, () => 1)).toBe(30_000);
      expect(backoffDelay(attempt, () => 0)).toBe(15_000);
    }
  });

  it("spreads clients across the window", () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(3, () => i / 50)));
    expect(delays.size).toBe(50);
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, () => 1)).toBe(1000);
  });
});
