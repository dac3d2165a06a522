import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "#app/domain/errors";
import { checkTimestamp, parseDeliveryId, parseSignatureHeader, signaturePrefix } from "#app/domain/webhook-rules";

export interface VerifiedDelivery {
  /**
   * What the signature covers: `delivery` = timestamp, delivery id and body;
   * `timestamp` = timestamp and body; `legacy` = the body alone.
   */
  scheme: "delivery" | "timestamp" | "legacy";
  /** The delivery id, only when the signature covers it: an unsigned one is never trusted. */
  deliveryId: string | null;
  /** An X-MC-Delivery-Id was sent but left out of the signature (the earlier contract); it is ignored. */
  unsignedDeliveryId: boolean;
}

/**
 * Verifies the completion webhook's signature over the raw bytes:
 * `X-MC-Signature: sha256=<hex HMAC-SHA256(secret, signed string)>` where the
 * signed string is `<timestamp>.<delivery id>.<body>` when X-MC-Delivery-Id is
 * sent, else `<timestamp>.<body>`, within ±300 s of `X-MC-Timestamp`, compared
 * in constant time. A signature over `<timestamp>.<body>` with a delivery id
 * sent (how the id was sent before it was signed) still verifies, but the id
 * is then not used. The legacy `x-webhook-signature` (HMAC of the body alone,
 * no replay window) counts only when explicitly allowed. Fails closed: anything
 * missing is a 401; a malformed delivery id on a signed request is a 400.
 */
export function verifyWebhookSignature(headers: Headers, body: Uint8Array, secret: string, allowLegacy: boolean, nowMs = Date.now()): VerifiedDelivery {
  const signature = headers.get("x-mc-signature");
  const timestamp = headers.get("x-mc-timestamp");
  const sentId = headers.get("x-mc-delivery-id");
  const verified = (scheme: VerifiedDelivery["scheme"], deliveryId: string | null): VerifiedDelivery => {
    const parsed = parseDeliveryId(sentId);
    if (!parsed.ok) throw new AppError("invalid", parsed.reason);
    return { scheme, deliveryId, unsignedDeliveryId: sentId !== null && deliveryId === null };
  };
  if (signature === null && timestamp === null) {
    const legacy = headers.get("x-webhook-signature");
    if (legacy !== null && allowLegacy) {
      if (matches(hmac(secret, [body]), legacy.trim().replace(/^sha256=/, ""))) return verified("legacy", null);
      throw new AppError("unauthorized", "The webhook signature does not match.");
    }
    throw new AppError("unauthorized", "Sign the request: X-MC-Timestamp and X-MC-Signature are required.");
  }
  const hex = parseSignatureHeader(signature);
  if (!hex) throw new AppError("unauthorized", "X-MC-Signature must be sha256=<64 hex digits>.");
  const time = checkTimestamp(timestamp, nowMs);
  if (!time.ok) throw new AppError("unauthorized", time.reason);
  const signs = (deliveryId: string | null) => matches(hmac(secret, [Buffer.from(signaturePrefix(timestamp!, deliveryId)), body]), hex);
  if (sentId !== null && signs(sentId)) return verified("delivery", sentId);
  if (signs(null)) return verified("timestamp", null);
  throw new AppError("unauthorized", "The webhook signature does not match.");
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
