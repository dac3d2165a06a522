import type { ApiKeyScope } from "#app/domain/api-keys";
import type { SessionUser } from "./auth.server";
import type { Database } from "./types";

// Typed calls for API keys (decision 050): a user's own keys for the operator
// API, and the one call that authenticates a key. Only a key's SHA-256 is stored.

export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart. */
  hint: string;
  scopes: ApiKeyScope[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
  state: "active" | "expired" | "revoked";
}

/** A key that authenticated: its id and scopes, and its owner with the role they have now. */
export interface AuthenticatedKey {
  key_id: string;
  scopes: ApiKeyScope[];
  user: SessionUser;
}

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  hash: string;
  hint: string;
}

export const listApiKeys = (db: Database, userId: string) => db.rpc<ApiKey[]>("list_api_keys", { p_user_id: userId });

export const createApiKey = (db: Database, userId: string, key: NewApiKey) =>
  db.rpc<ApiKey>("create_api_key", {
    p_user_id: userId,
    p_name: key.name,
    p_scopes: key.scopes,
    p_expires_at: key.expiresAt,
    p_token_hash: key.hash,
    p_hint: key.hint,
  });

export const revokeApiKey = (db: Database, keyId: string, userId: string) => db.rpc<ApiKey>("revoke_api_key", { p_key_id: keyId, p_user_id: userId });

export const authenticateApiKey = (db: Database, tokenHash: string) => db.rpc<AuthenticatedKey | null>("authenticate_api_key", { p_token_hash: tokenHash });
