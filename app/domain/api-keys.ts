import { type Role, roleAtLeast } from "./roles";

// API keys for the operator API (decision 050): what a key's scopes mean and
// how they meet its owner's role. Pure: the database says which key it is and
// what the owner's role is now; this says what that key may do.

export const API_KEY_SCOPES = ["read", "write", "approve"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The least role each scope needs: a key never does more than its owner's role allows. */
export const SCOPE_ROLE: Record<ApiKeyScope, Role> = { read: "viewer", write: "operator", approve: "approver" };

export const SCOPE_LABELS: Record<ApiKeyScope, string> = {
  read: "Read: workspaces, tasks, comments, approvals, agents, costs",
  write: "Write: create, edit, move and delete tasks; comment",
  approve: "Approve: decide approval requests",
};

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = "mck_";

/** Whether a key with these scopes, owned by a user with this role now, may act with `needed`. */
export function keyAllows(scopes: readonly ApiKeyScope[], role: Role, needed: ApiKeyScope): boolean {
  return scopes.includes(needed) && roleAtLeast(role, SCOPE_ROLE[needed]);
}

/** Why a key may not act with `needed`, in words for the 403; null when it may. */
export function keyRefusal(scopes: readonly ApiKeyScope[], role: Role, needed: ApiKeyScope): string | null {
  if (!scopes.includes(needed)) return `This API key lacks the ${needed} scope.`;
  if (!roleAtLeast(role, SCOPE_ROLE[needed]))
    return `The ${needed} scope needs the ${SCOPE_ROLE[needed]} role; the key's owner is ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}.`;
  return null;
}

/** The scopes a user's role lets them give a new key. */
export function grantableScopes(role: Role): ApiKeyScope[] {
  return API_KEY_SCOPES.filter((s) => roleAtLeast(role, SCOPE_ROLE[s]));
}

/** The longest a key may live, in days, and the choices the settings form offers. */
export const API_KEY_EXPIRY_DAYS = [7, 30, 90, 365] as const;

/** A key's expiry from a choice of days after `now` (null: never). */
export function expiryFrom(days: number | null, now: Date): string | null {
  return days === null ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
}
