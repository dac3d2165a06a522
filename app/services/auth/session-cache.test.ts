import { describe, expect, it } from "vitest";
import type { SessionUser } from "#app/db/auth.server";
import { SessionCache } from "./session-cache.server";

const user = (id: string): SessionUser => ({ id, email: `${id}@example.com`, name: id, role: "operator", time_zone: null });

describe("the session cache", () => {
  it("keeps a session for its time to live, and never past the session's expiry", () => {
    let now = 1_000_000;
    const cache = new SessionCache(10_000, () => now);
    cache.set("a", user("u1"), now + 60_000, cache.generation);
    cache.set("b", user("u2"), now + 3_000, cache.generation);
    now += 2_999;
    expect(cache.get("a")?.id).toBe("u1");
    expect(cache.get("b")?.id).toBe("u2");
    now += 1;
    expect(cache.get("b")).toBeUndefined();
    now += 7_000;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("forgets one session, or every session of a user", () => {
    const cache = new SessionCache(10_000);
    const far = Date.now() + 60_000;
    cache.set("a", user("u1"), far, cache.generation);
    cache.set("b", user("u1"), far, cache.generation);
    cache.set("c", user("u2"), far, cache.generation);
    cache.forget("c");
    expect(cache.get("c")).toBeUndefined();
    cache.forgetUser("u1");
    expect([cache.get("a"), cache.get("b")]).toEqual([undefined, undefined]);
  });

  it("remembers nothing when disabled or when the session has already expired", () => {
    const off = SessionCache.disabled();
    off.set("a", user("u1"), Date.now() + 60_000, off.generation);
    expect(off.get("a")).toBeUndefined();
    const on = new SessionCache(10_000);
    on.set("a", user("u1"), Date.now() - 1, on.generation);
    expect(on.get("a")).toBeUndefined();
  });

  it("does not keep a session read while something was being forgotten: the row may predate the change", () => {
    const cache = new SessionCache(10_000);
    const far = Date.now() + 60_000;
    const readAt = cache.generation;
    cache.forgetUser("u1"); // a sign-out lands while the read is in flight
    cache.set("a", user("u1"), far, readAt);
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", user("u1"), far, cache.generation);
    expect(cache.get("a")?.id).toBe("u1");
  });
});
