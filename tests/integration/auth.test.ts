import { beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { appError, hash64, query, rowCounts } from "#tests/support/fixtures";
import { until } from "#tests/support/until";

type SessionUser = { id: string; email: string; name: string; role: string };

async function insertUser(db: SqlDatabase, email: string, role = "operator"): Promise<string> {
  const [row] = await query<{ id: string }>(db, "insert into users (email, name, role, password_hash) values ($1, 'User', $2, 'h') returning id", [
    email,
    role,
  ]);
  return row!.id;
}

async function expiresAt(db: SqlDatabase, tokenHash: string): Promise<number> {
  const [row] = await query<{ at: number }>(db, "select extract(epoch from expires_at)::float8 as at from sessions where token_hash = $1", [tokenHash]);
  return row!.at;
}

describe.each(RPC_TRANSPORTS)("first-run set-up on %s", (kind) => {
  const db = useTestDatabase(kind);
  const token = hash64();
  const admin = { p_email: "Ada@Example.com", p_name: "  Ada  ", p_password_hash: "$argon2id$fake" };

  // One database, one first admin: these steps run in order.
  it("starts with no users and an unknown set-up token", async () => {
    expect(await db().rpc("count_users")).toEqual({ users: 0 });
    expect(await db().rpc("check_setup_token", { p_token_hash: token })).toEqual({ valid: false });
  });

  const older = hash64();
  const expired = hash64();

  it("keeps every token added until it expires: a later start voids no earlier link", async () => {
    expect(await db().rpc("add_setup_token", { p_token_hash: expired, p_ttl_seconds: -1 })).toMatchObject({ added: true });
    expect(await db().rpc("add_setup_token", { p_token_hash: older, p_ttl_seconds: 3600 })).toMatchObject({ added: true });
    const added = await db().rpc<{ added: boolean; expires_at: string }>("add_setup_token", { p_token_hash: token, p_ttl_seconds: 3600 });
    expect(added.added).toBe(true);
    expect(Date.parse(added.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(await db().rpc("check_setup_token", { p_token_hash: token })).toEqual({ valid: true });
    expect(await db().rpc("check_setup_token", { p_token_hash: older })).toEqual({ valid: true });
    expect(await db().rpc("check_setup_token", { p_token_hash: expired })).toEqual({ valid: false });
  });

  it("refuses to create the admin with a wrong or expired token", async () => {
    for (const hash of [hash64(), expired]) {
      const error = await appError(db().rpc("create_first_admin", { p_setup_token_hash: hash, ...admin }));
      expect(error).toMatchObject({
        code: "forbidden",
        status: 403,
        message: "This set-up link is not valid or has expired. Restart the server to print a new one.",
      });
    }
    expect(await db().rpc("count_users")).toEqual({ users: 0 });
  });

  it("creates the admin once with any valid token, then voids them all", async () => {
    const user = await db().rpc("create_first_admin", { p_setup_token_hash: token, ...admin });
    expect(user).toEqual({ id: expect.any(String), email: "ada@example.com", name: "Ada", role: "admin" });
    expect(await db().rpc("count_users")).toEqual({ users: 1 });
    expect(await db().rpc("check_setup_token", { p_token_hash: token })).toEqual({ valid: false });
    expect(await db().rpc("check_setup_token", { p_token_hash: older })).toEqual({ valid: false });
    expect(await query(db(), "select count(*)::int as n from setup_tokens")).toEqual([{ n: 0 }]);
  });

  it("adds no token once a user exists, and refuses a second set-up as a conflict", async () => {
    const fresh = hash64();
    expect(await db().rpc("add_setup_token", { p_token_hash: fresh, p_ttl_seconds: 3600 })).toEqual({ added: false });
    expect(await query(db(), "select count(*)::int as n from setup_tokens")).toEqual([{ n: 0 }]);
    const before = await rowCounts(db());
    const error = await appError(db().rpc("create_first_admin", { p_setup_token_hash: older, ...admin, p_email: "eve@example.com" }));
    expect(error).toMatchObject({ code: "conflict", status: 409, message: "Set-up is already complete. Sign in instead." });
    expect(await rowCounts(db())).toEqual(before);
  });

  it("finds the login user by email in any case", async () => {
    expect(await db().rpc("get_login_user", { p_email: "ADA@example.COM" })).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "Ada",
      role: "admin",
      password_hash: "$argon2id$fake",
      disabled: false,
      time_zone: null,
    });
    expect(await db().rpc("get_login_user", { p_email: "nobody@example.com" })).toBeNull();
  });
});

describe.each(RPC_TRANSPORTS)("sessions on %s", (kind) => {
  const db = useTestDatabase(kind);
  let userId: string;
  beforeAll(async () => {
    userId = await insertUser(db(), "op@example.com");
  });

  async function session(ttl = 3600): Promise<string> {
    const tokenHash = hash64();
    expect(await db().rpc("create_session", { p_token_hash: tokenHash, p_user_id: userId, p_ttl_seconds: ttl, p_user_agent: "vitest" })).toEqual({
      ok: true,
    });
    return tokenHash;
  }

  it("returns the user for a live session", async () => {
    const tokenHash = await session();
    const touched = await db().rpc<SessionUser & { expires_at: string }>("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: 3600 });
    expect(touched).toEqual({ id: userId, email: "op@example.com", name: "User", role: "operator", time_zone: null, expires_at: expect.any(String) });
    // When the session now ends, so an instance that remembers it never trusts it past that (decision 056).
    expect(Date.parse(touched.expires_at) / 1000).toBeCloseTo(await expiresAt(db(), tokenHash), 0);
  });

  // Supabase over HTTP has no LISTEN (and the app keeps no session cache there).
  it.skipIf(kind === "supabase")("announces an ended session and a changed user on mc_auth with the user's id", async () => {
    const heard: string[] = [];
    const unlisten = await db().listen("mc_auth", (payload) => heard.push(payload));
    try {
      const otherId = await insertUser(db(), "announced@example.com");
      const tokenHash = hash64();
      await db().rpc("create_session", { p_token_hash: tokenHash, p_user_id: otherId, p_ttl_seconds: 3600, p_user_agent: "" });
      // Reading a session announces nothing.
      await db().rpc("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: 3600 });
      await db().rpc("delete_session", { p_token_hash: tokenHash });
      await query(db(), "update users set role = 'viewer' where id = $1", [otherId]);
      await until("both announcements", () => heard.filter((id) => id === otherId).length >= 2);
      expect(heard.filter((id) => id !== otherId)).toEqual([]);
    } finally {
      await unlisten();
    }
  });

  it("returns null for an unknown or expired session", async () => {
    expect(await db().rpc("touch_session", { p_token_hash: hash64(), p_ttl_seconds: 3600 })).toBeNull();
    const expired = await session(-1);
    expect(await db().rpc("touch_session", { p_token_hash: expired, p_ttl_seconds: 3600 })).toBeNull();
  });

  it("slides the expiry only once half the lifetime has passed", async () => {
    const fresh = await session(3600);
    const before = await expiresAt(db(), fresh);
    await db().rpc("touch_session", { p_token_hash: fresh, p_ttl_seconds: 3600 });
    expect(await expiresAt(db(), fresh)).toBe(before);

    const old = await session(100); // less than half of 3600 left
    await db().rpc("touch_session", { p_token_hash: old, p_ttl_seconds: 3600 });
    expect((await expiresAt(db(), old)) - Date.now() / 1000).toBeGreaterThan(3500);
  });

  it("returns null for a disabled user's session", async () => {
    const otherId = await insertUser(db(), "gone@example.com");
    const tokenHash = hash64();
    await db().rpc("create_session", { p_token_hash: tokenHash, p_user_id: otherId, p_ttl_seconds: 3600, p_user_agent: "" });
    await query(db(), "update users set disabled_at = now() where id = $1", [otherId]);
    expect(await db().rpc("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: 3600 })).toBeNull();
    expect(await db().rpc("get_login_user", { p_email: "gone@example.com" })).toMatchObject({ disabled: true });
  });

  it("deletes a session (signing out), idempotently", async () => {
    const tokenHash = await session();
    expect(await db().rpc("delete_session", { p_token_hash: tokenHash })).toEqual({ ok: true });
    expect(await db().rpc("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: 3600 })).toBeNull();
    expect(await db().rpc("delete_session", { p_token_hash: tokenHash })).toEqual({ ok: true });
  });

  it("clears the user's expired sessions when a new one starts", async () => {
    const expired = await session(-10);
    await session();
    expect(await query(db(), "select count(*)::int as n from sessions where token_hash = $1", [expired])).toEqual([{ n: 0 }]);
  });

  it("truncates a long user agent and refuses a malformed token hash", async () => {
    const tokenHash = hash64();
    await db().rpc("create_session", { p_token_hash: tokenHash, p_user_id: userId, p_ttl_seconds: 60, p_user_agent: "x".repeat(1000) });
    expect(await query(db(), "select char_length(user_agent) as n from sessions where token_hash = $1", [tokenHash])).toEqual([{ n: 400 }]);
    const bad = db().rpc("create_session", { p_token_hash: "not-a-hash", p_user_id: userId, p_ttl_seconds: 60, p_user_agent: "" });
    expect(await appError(bad)).toMatchObject({ code: "invalid" });
  });
});

describe.each(RPC_TRANSPORTS)("sign-in attempts on %s", (kind) => {
  const db = useTestDatabase(kind);
  const keys = (account: string, address = "10.0.0.1") => ({ p_account_key: `mc:login:account:${account}`, p_address_key: `mc:login:address:${address}` });
  const begin = (account: string, address?: string, max = 3) =>
    db().rpc<{ allowed: boolean; retry_after_s?: number; remaining?: number }>("begin_login_attempt", {
      ...keys(account, address),
      p_account_max: max,
      p_address_max: max * 2,
      p_window_s: 900,
    });
  const points = async (key: string) => (await query<{ points: number }>(db(), "select points from rate_limits where key = $1", [key]))[0]?.points;

  it("counts every attempt and refuses the account once its budget is spent, with the time left", async () => {
    // remaining: attempts left once this one fails; 0 means this one takes the last.
    for (const remaining of [2, 1, 0]) expect(await begin("ada")).toEqual({ allowed: true, remaining });
    const refused = await begin("ada");
    expect(refused.allowed).toBe(false);
    expect(refused.retry_after_s).toBeGreaterThan(890);
    expect(refused.retry_after_s).toBeLessThanOrEqual(900);
    // A refusal spends nothing more.
    expect(await points("mc:login:account:ada")).toBe(3);
    expect(await points("mc:login:address:10.0.0.1")).toBe(3);
  });

  it("limits an address across accounts, and lets other addresses in", async () => {
    for (let i = 0; i < 3; i++) expect(await begin("bob")).toMatchObject({ allowed: true });
    expect((await begin("carol")).allowed).toBe(false);
    expect(await begin("carol", "10.0.0.2")).toMatchObject({ allowed: true });
  });

  it("on success forgets the account's failures and gives the address back only that attempt", async () => {
    for (let i = 0; i < 2; i++) expect(await begin("dan", "10.0.0.3")).toMatchObject({ allowed: true });
    expect(await begin("eve", "10.0.0.3")).toMatchObject({ allowed: true });
    expect(await db().rpc("login_succeeded", keys("eve", "10.0.0.3"))).toEqual({ ok: true });
    expect(await points("mc:login:account:eve")).toBeUndefined();
    expect(await points("mc:login:address:10.0.0.3")).toBe(2);
  });

  it("starts a new window once the old one has ended", async () => {
    await query(db(), "update rate_limits set expire = 1 where key = $1", ["mc:login:account:ada"]);
    expect(await begin("ada", "10.0.0.4")).toMatchObject({ allowed: true });
    expect(await points("mc:login:account:ada")).toBe(1);
  });

  it("lets no more concurrent attempts through than the budget", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => begin("frank", "10.0.0.5")));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });
});
