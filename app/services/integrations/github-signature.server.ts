import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "#app/domain/errors";
import { parseSignatureHeader } from "#app/domain/webhook-rules";

/**
 * Verifies GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`
 * over the bytes as received, compared in constant time (decision 053).
 * Missing or wrong is a 401. GitHub signs the body only: the delivery id and
 * the event type are not covered, which is why the updated_at guards
 * against replays (apply_github_issue_event).
 */
export function verifyGithubSignature(headers: Headers, body: Uint8Array, secret: string): void {
  const given = headers.get("x-hub-signature-256");
  if (given === null) throw new AppError("unauthorized", "Sign the delivery: X-Hub-Signature-256 is required (set the webhook's secret on GitHub).");
  const hex = parseSignatureHeader(given);
  if (!hex) throw new AppError("unauthorized", "X-Hub-Signature-256 must be sha256=<64 hex digits>.");
  const expected = createHmac("sha256", secret).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(hex, "hex"))) throw new AppError("unauthorized", "The signature does not match this repository's webhook secret.");
}
