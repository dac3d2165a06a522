import { type AuthenticatedKey, authenticateApiKey } from "#app/db/api-keys.server";
import type { Database } from "#app/db/types";
import { API_KEY_PREFIX } from "#app/domain/api-keys";
import { AppError } from "#app/domain/errors";
import { randomToken, sha256Hex } from "./crypto.server";

/**
 * A new API key (decision 050): `mck_` and 256 random bits, shown to its owner
 * once, stored only as its SHA-256 (a fast hash is enough for a random key)
 * and a short hint so keys can be told apart.
 */
export function newApiKey(): { token: string; hash: string; hint: string } {
  const token = randomToken(API_KEY_PREFIX);
  return { token, hash: sha256Hex(token), hint: token.slice(0, 10) };
}

/**
 * The key in `Authorization: Bearer mck_…` and its owner, checked in one SQL
 * call (known hash, not revoked or expired, owner active). Anything else is
 * unauthorized, which the caller counts against the client's failure budget.
 */
export async function authenticateApiKeyRequest(db: Database, request: Request): Promise<AuthenticatedKey> {
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S{20,200})$/i.exec(header)?.[1];
  if (!token) throw new AppError("unauthorized", "Send your API key as Authorization: Bearer mck_…");
  if (!token.startsWith(API_KEY_PREFIX)) throw new AppError("unauthorized", "That is not an API key (API keys start with mck_).");
  const key = await authenticateApiKey(db, sha256Hex(token));
  if (!key) throw new AppError("unauthorized", "That API key is not valid (revoked, expired, never issued, or its owner is disabled).");
  return key;
}
