import { describe, expect, it } from "vitest";
import { ExpiringMap } from "./expiring-map";

describe("ExpiringMap", () => {
  it("keeps an entry until its time, keeps none already past, and drops the oldest beyond its bound", () => {
    let now = 1_000;
    const map = new ExpiringMap<string, number>(2, () => now);
    map.set("a", 1, 2_000);
    map.set("past", 0, 1_000);
    expect(map.get("past")).toBeUndefined();
    map.set("b", 2, 3_000);
    map.set("c", 3, 3_000);
    expect([map.get("a"), map.get("b"), map.get("c"), map.size]).toEqual([undefined, 2, 3, 2]);
    now = 3_000;
    expect(map.get("b")).toBeUndefined();
  });

  it("forgets one entry, or every entry whose value matches", () => {
    const map = new ExpiringMap<string, { owner: string }>(10);
    const later = Date.now() + 60_000;
    map.set("a", { owner: "x" }, later);
    map.set("b", { owner: "x" }, later);
    map.set("c", { owner: "y" }, later);
    map.deleteWhere((v) => v.owner === "x");
    map.delete("c");
    expect(map.size).toBe(0);
  });
});
