import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { describe, expect, it } from "vitest";
import { LeasedBudget, leaseSize } from "./rate-limit-local.server";

const consumed = async (store: RateLimiterMemory, key: string) => (await store.get(key))?.consumedPoints ?? 0;

describe("LeasedBudget", () => {
  it("takes points from the store a lease at a time and spends them locally", async () => {
    const store = new RateLimiterMemory({ points: 100, duration: 60 });
    const budget = new LeasedBudget(store, 3);
    await budget.consume("agent:a");
    expect(await consumed(store, "agent:a")).toBe(3);
    await budget.consume("agent:a");
    await budget.consume("agent:a");
    expect(await consumed(store, "agent:a")).toBe(3);
    await budget.consume("agent:a");
    expect(await consumed(store, "agent:a")).toBe(6);
    expect(await consumed(store, "agent:b")).toBe(0);
  });

  it("lets one request take a lease while concurrent ones wait for it", async () => {
    const store = new RateLimiterMemory({ points: 100, duration: 60 });
    const budget = new LeasedBudget(store, 5);
    await Promise.all(Array.from({ length: 10 }, () => budget.consume("k")));
    expect(await consumed(store, "k")).toBe(10);
  });

  it("refuses every waiting request when the store refuses the lease, and keeps refusing", async () => {
    const store = new RateLimiterMemory({ points: 7, duration: 60 });
    const budget = new LeasedBudget(store, 5);
    for (let i = 0; i < 5; i++) await budget.consume("k");
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => budget.consume("k")));
    for (const result of results) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(RateLimiterRes);
    }
    await expect(budget.consume("k")).rejects.toBeInstanceOf(RateLimiterRes);
  });

  it("sizes leases so small budgets stay exact", () => {
    expect(leaseSize(3)).toBe(1);
    expect(leaseSize(199)).toBe(1);
    expect(leaseSize(600)).toBe(6);
    expect(leaseSize(1_000_000)).toBe(50);
  });
});
