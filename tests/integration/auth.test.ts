import { beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { appError, hash64, query, rowCounts } from "#tests/support/fixtures";

type SessionUser = { id: string; email: string; name: string; role: string };

async function insertUser(db: SqlDatabase, email: string, role = "operator"): Promise<string> {
  const [row] = await query<{ id: string }>(db, "insert into users (email, name, role, password_hash) values ($1, 'User', $2, 'h') returning id", [email, role]);
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

  it("accepts only the token that was set, replacing an older one", async () => {
    const older = hash64();
    await db().rpc("set_setup_token", { p_token_hash: older });
    expect(await db().rpc("set_setup_token", { p_token_hash: token })).toEqual({ ok: true });
    expect(await db().rpc("check_setup_token", { p_token_hash: token })).toEqual({ valid: true });
    expect(await db().rpc("check_setup_token", { p_token_hash: older })).toEqual({ valid: false });
  });

  it("refuses to create the admin with a wrong token", async () => {
    const error = await appError(db().rpc("create_first_admin", { p_setup_token_hash: hash64(), ...admin }));
    expect(error).toMatchObject({ code: "forbidden", status: 403 });
    expect(await db().rpc("count_users")).toEqual({ users: 0 });
  });

  it("creates the admin once with the right token, then spends the token", async () => {
    const user = await db().rpc("create_first_admin", { p_setup_token_hash: token, ...admin });
    expect(user).toEqual({ id: expect.any(String), email: "ada@example.com", name: "Ada", role: "admin" });
    expect(await db().rpc("count_users")).toEqual({ users: 1 });
    expect(await db().rpc("check_setup_token", { p_token_hash: token })).toEqual({ valid: false });
    expect(await query(db(), "select count(*)::int as n from app_settings where key = 'setup_token_hash'")).toEqual([{ n: 0 }]);
  });

  it("refuses a second set-up as a conflict, even with a fresh token", async () => {
    const fresh = hash64();
    await db().rpc("set_setup_token", { p_token_hash: fresh });
    const before = await rowCounts(db());
    const error = await appError(db().rpc("create_first_admin", { p_setup_token_hash: fresh, ...admin, p_email: "eve@example.com" }));
    expect(error).toMatchObject({ code: "conflict", status: 409, message: "Set-up is already complete. Sign in instead." });
    expect(await rowCounts(db())).toEqual(before);
    // A token is useless once a user exists.
    expect(await db().rpc("check_setup_token", { p_token_hash: fresh })).toEqual({ valid: false });
  });

  it("finds the login user by email in any case", async () => {
    expect(await db().rpc("get_login_user", { p_email: "ADA@example.COM" })).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "Ada",
      role: "admin",
      password_hash: "$argon2id$fake",
      disabled: false,
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
    expect(await db().rpc<SessionUser>("touch_session", { p_token_hash: tokenHash, p_ttl_seconds: 3600 })).toEqual({
      id: userId,
      email: "op@example.com",
      name: "User",
      role: "operator",
    });
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
