import { randomToken, sha256Hex } from "./crypto.server";

/**
 * A new agent bearer token: shown to the operator once, stored only as its
 * SHA-256 (tokens are 256-bit random, so a fast hash is enough) and a short
 * prefix so operators can tell tokens apart.
 */
export function newAgentToken(): { token: string; hash: string; hint: string } {
  const token = randomToken("mca_");
  return { token, hash: sha256Hex(token), hint: token.slice(0, 8) };
}
