import { describe, expect, it } from "vitest";
import { API_KEY_SCOPES, expiryFrom, grantableScopes, keyAllows, keyRefusal } from "./api-keys";
import { apiKeyCreateSchema } from "./forms/api-keys";
import { ROLES } from "./roles";

describe("API key scopes", () => {
  it("allow a scope only when the key has it and the owner's role reaches its role", () => {
    const table = Object.fromEntries(ROLES.map((role) => [role, API_KEY_SCOPES.filter((s) => keyAllows(API_KEY_SCOPES, role, s))]));
    expect(table).toEqual({
      viewer: ["read"],
      operator: ["read", "write"],
      approver: ["read", "write", "approve"],
      admin: ["read", "write", "approve"],
    });
    expect(keyAllows(["read"], "admin", "write")).toBe(false);
    expect(keyAllows(["write"], "admin", "read")).toBe(false);
    expect(keyAllows(["read", "write"], "admin", "approve")).toBe(false);
  });

  it("say why a key is refused", () => {
    expect(keyRefusal(["read"], "admin", "write")).toBe("This API key lacks the write scope.");
    expect(keyRefusal(["approve"], "operator", "approve")).toBe("The approve scope needs the approver role; the key's owner is an operator.");
    expect(keyRefusal(["approve"], "approver", "approve")).toBeNull();
  });

  it("offer a role only the scopes it covers", () => {
    expect(grantableScopes("viewer")).toEqual(["read"]);
    expect(grantableScopes("operator")).toEqual(["read", "write"]);
    expect(grantableScopes("admin")).toEqual(["read", "write", "approve"]);
  });

  it("expire a number of days after now, or never", () => {
    expect(expiryFrom(null, new Date("2026-12-01T00:00:00Z"))).toBeNull();
    expect(expiryFrom(30, new Date("2026-12-01T00:00:00Z"))).toBe("2026-12-31T00:00:00.000Z");
  });
});

describe("the API key form", () => {
  it("reads each ticked scope and the expiry", () => {
    expect(apiKeyCreateSchema.parse({ name: " Deploy ", scope_read: "1", scope_approve: "1", expires_in_days: "90" })).toEqual({
      name: "Deploy",
      scopes: ["read", "approve"],
      days: 90,
    });
    expect(apiKeyCreateSchema.parse({ name: "x", scope_write: "1", expires_in_days: "" }).days).toBeNull();
  });

  it("refuses no scope, an expiry not offered and unknown fields", () => {
    const issues = (v: unknown) => (apiKeyCreateSchema.safeParse(v).error?.issues ?? []).map((i) => i.path.join(".") || i.code);
    expect(issues({ name: "x" })).toEqual(["scopes"]);
    expect(issues({ name: "x", scope_read: "1", expires_in_days: "3" })).toEqual(["expires_in_days"]);
    expect(issues({ name: "x", scope_read: "1", role: "admin" })).toEqual(["unrecognized_keys"]);
  });
});
