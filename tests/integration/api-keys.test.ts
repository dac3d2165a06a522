import { describe, expect, it } from "vitest";
import { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from "#app/db/api-keys.server";
import { newApiKey } from "#app/services/auth/api-keys.server";
import { sha256Hex } from "#app/services/auth/crypto.server";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { appError, createUser, query } from "#tests/support/fixtures";

// The API key functions (supabase/sql/19_api_keys.sql, decision 050) on every
// transport: a key is made for an active user only, listed without its hash,
// revoked by its owner only, and authenticated in one call that refuses
// revoked and expired keys and disabled owners and returns the owner's role
// as it is now.
describe.each(RPC_TRANSPORTS)("API keys on %s", (kind) => {
  const db = useTestDatabase(kind);
  const make = async (userId: string, scopes: Array<"read" | "write" | "approve"> = ["read"], expiresAt: string | null = null) => {
    const token = newApiKey();
    const key = await createApiKey(db(), userId, { name: " Deploy script ", scopes, expiresAt, hash: token.hash, hint: token.hint });
    return { key, token: token.token };
  };

  it("creates a key for its owner, lists it without its hash, and audits it", async () => {
    const ada = await createUser(db(), "operator", "Ada");
    const { key, token } = await make(ada.id, ["write", "read", "write"]);
    expect(key).toMatchObject({
      name: "Deploy script",
      hint: token.slice(0, 10),
      scopes: ["read", "write"],
      state: "active",
      last_used_at: null,
      revoked_at: null,
    });
    const listed = await listApiKeys(db(), ada.id);
    expect(listed.map((k) => k.id)).toEqual([key.id]);
    expect(JSON.stringify(listed)).not.toContain(sha256Hex(token));
    expect(await listApiKeys(db(), (await createUser(db(), "admin", "Other")).id)).toEqual([]);
    const [entry] = await query<{ actor: Record<string, string>; data: Record<string, unknown> }>(
      db(),
      "select actor, data from audit_log where kind = 'api_key.created' and subject->>'api_key_id' = $1",
      [key.id],
    );
    expect(entry).toMatchObject({ actor: { type: "user", id: ada.id, name: "Ada" }, data: { scopes: ["read", "write"], hint: key.hint } });
  });

  it("refuses a disabled user, an expiry in the past, and scopes it does not know", async () => {
    const gone = await createUser(db(), "admin", "Gone");
    await query(db(), "update users set disabled_at = now() where id = $1", [gone.id]);
    expect((await appError(make(gone.id))).code).toBe("forbidden");
    const bob = await createUser(db(), "admin", "Bob");
    const past = await appError(make(bob.id, ["read"], new Date(Date.now() - 1000).toISOString()));
    expect(past.code).toBe("invalid");
    expect(past.fieldErrors).toHaveProperty("expires_at");
    expect((await appError(make(bob.id, ["delete" as "read"]))).code).toBe("invalid");
    expect(await listApiKeys(db(), bob.id)).toEqual([]);
  });

  it("authenticates a key with its owner's current role, and refuses revoked, expired and disabled", async () => {
    const cy = await createUser(db(), "approver", "Cy");
    const { key, token } = await make(cy.id, ["read", "approve"]);
    expect(await authenticateApiKey(db(), sha256Hex(token))).toMatchObject({
      key_id: key.id,
      scopes: ["approve", "read"],
      user: { id: cy.id, role: "approver" },
    });
    await query(db(), "update users set role = 'viewer' where id = $1", [cy.id]);
    expect((await authenticateApiKey(db(), sha256Hex(token)))?.user.role).toBe("viewer");
    await query(db(), "update users set disabled_at = now() where id = $1", [cy.id]);
    expect(await authenticateApiKey(db(), sha256Hex(token))).toBeNull();
    await query(db(), "update users set disabled_at = null where id = $1", [cy.id]);

    const soon = await make(cy.id, ["read"], new Date(Date.now() + 60_000).toISOString());
    expect(await authenticateApiKey(db(), sha256Hex(soon.token))).not.toBeNull();
    await query(db(), "update api_keys set expires_at = now() - interval '1 second' where id = $1", [soon.key.id]);
    expect(await authenticateApiKey(db(), sha256Hex(soon.token))).toBeNull();
    expect((await listApiKeys(db(), cy.id)).find((k) => k.id === soon.key.id)?.state).toBe("expired");
    expect(await authenticateApiKey(db(), sha256Hex("mck_never-issued"))).toBeNull();
  });

  it("lets only the owner revoke, keeps the revoked key listed, and refuses it from then on", async () => {
    const dee = await createUser(db(), "operator", "Dee");
    const eve = await createUser(db(), "admin", "Eve");
    const { key, token } = await make(dee.id);
    expect((await appError(revokeApiKey(db(), key.id, eve.id))).code).toBe("not_found");
    expect(await authenticateApiKey(db(), sha256Hex(token))).not.toBeNull();
    const revoked = await revokeApiKey(db(), key.id, dee.id);
    expect(revoked.state).toBe("revoked");
    // Again: no change, no second audit entry.
    expect((await revokeApiKey(db(), key.id, dee.id)).revoked_at).toBe(revoked.revoked_at);
    expect(await authenticateApiKey(db(), sha256Hex(token))).toBeNull();
    expect((await listApiKeys(db(), dee.id)).map((k) => [k.id, k.state])).toEqual([[key.id, "revoked"]]);
    expect(await query(db(), "select count(*)::int as n from audit_log where kind = 'api_key.revoked' and subject->>'api_key_id' = $1", [key.id])).toEqual([
      { n: 1 },
    ]);
  });

  it("records a key's last use at most once a minute", async () => {
    const fay = await createUser(db(), "viewer", "Fay");
    const { key, token } = await make(fay.id);
    const lastUsed = async () => (await query<{ t: string | null }>(db(), "select last_used_at::text as t from api_keys where id = $1", [key.id]))[0]!.t;
    await authenticateApiKey(db(), sha256Hex(token));
    const first = await lastUsed();
    expect(first).not.toBeNull();
    await authenticateApiKey(db(), sha256Hex(token));
    expect(await lastUsed()).toBe(first);
    await query(db(), "update api_keys set last_used_at = now() - interval '2 minutes' where id = $1", [key.id]);
    const aged = await lastUsed();
    await authenticateApiKey(db(), sha256Hex(token));
    expect(await lastUsed()).not.toBe(aged);
  });
});
