import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "#app/domain/errors";
import { checkTimestamp, parseSignatureHeader } from "#app/domain/webhook-rules";

/**
 * Verifies the completion webhook's signature over the raw bytes:
 * `X-MC-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
 * within ±300 s of `X-MC-Timestamp`, compared in constant time. The legacy
 * `x-webhook-signature` (HMAC of the body alone, no replay window) counts
 * only when explicitly allowed. Fails closed: anything missing is a 401.
 */
export function verifyWebhookSignature(headers: Headers, body: Uint8Array, secret: string, allowLegacy: boolean, nowMs = Date.now()): "current" | "legacy" {
  const signature = headers.get("x-mc-signature");
  const timestamp = headers.get("x-mc-timestamp");
  if (signature === null && timestamp === null) {
    const legacy = headers.get("x-webhook-signature");
    if (legacy !== null && allowLegacy) {
      if (matches(hmac(secret, [body]), legacy.trim().replace(/^sha256=/, ""))) return "legacy";
      throw new AppError("unauthorized", "The webhook signature does not match.");
    }
    throw new AppError("unauthorized", "Sign the request: X-MC-Timestamp and X-MC-Signature are required.");
  }
  const hex = parseSignatureHeader(signature);
  if (!hex) throw new AppError("unauthorized", "X-MC-Signature must be sha256=<64 hex digits>.");
  const time = checkTimestamp(timestamp, nowMs);
  if (!time.ok) throw new AppError("unauthorized", time.reason);
  if (!matches(hmac(secret, [Buffer.from(`${timestamp!.trim()}.`), body]), hex)) {
    throw new AppError("unauthorized", "The webhook signature does not match.");
  }
  return "current";
}

function hmac(secret: string, parts: Uint8Array[]): Buffer {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function matches(expected: Buffer, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(expected, Buffer.from(givenHex, "hex"));
}
