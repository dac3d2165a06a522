// Rules of the signed completion webhook that need no crypto: header parsing,
// the replay window and the bytes the signature covers. The HMAC itself is
// computed in the service.

import { COLUMN_LIMITS } from "./field-limits";

export const WEBHOOK_WINDOW_S = 300;
export const WEBHOOK_MAX_BYTES = 256 * 1024;

/**
 * A delivery id's alphabet. It has no `{` and no whitespace, so in
 * `<timestamp>.<delivery id>.<body>` the id always ends at the last "." before
 * the JSON body starts: one signed string never reads as two different
 * (id, body) pairs.
 */
const DELIVERY_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${COLUMN_LIMITS.webhook_deliveries.delivery_id}}$`);

/** `sha256=<64 hex>` → the hex, else null. */
export function parseSignatureHeader(value: string | null): string | null {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(value?.trim() ?? "");
  return match ? match[1]!.toLowerCase() : null;
}

/** The X-MC-Delivery-Id header: absent (null), well formed, or an error message. */
export function parseDeliveryId(value: string | null): { ok: true; id: string | null } | { ok: false; reason: string } {
  if (value === null) return { ok: true, id: null };
  if (!DELIVERY_ID.test(value))
    return { ok: false, reason: `X-MC-Delivery-Id must be 1–${COLUMN_LIMITS.webhook_deliveries.delivery_id} letters, digits, '.', '_', ':' or '-'.` };
  return { ok: true, id: value };
}

/** Unix seconds, within ±WEBHOOK_WINDOW_S of now. */
export function checkTimestamp(value: string | null, nowMs: number): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (!value || !/^\d{1,12}$/.test(value.trim())) return { ok: false, reason: "X-MC-Timestamp must be unix seconds." };
  const seconds = Number(value.trim());
  if (Math.abs(nowMs / 1000 - seconds) > WEBHOOK_WINDOW_S) {
    return { ok: false, reason: `X-MC-Timestamp is more than ${WEBHOOK_WINDOW_S} s away from the server's clock.` };
  }
  return { ok: true, seconds };
}

/**
 * What the signature covers before the raw body: `<timestamp>.` or, when the
 * sender names the delivery, `<timestamp>.<delivery id>.` — so the id cannot
 * be changed or dropped without the secret.
 */
export function signaturePrefix(timestamp: string, deliveryId: string | null): string {
  return deliveryId === null ? `${timestamp.trim()}.` : `${timestamp.trim()}.${deliveryId}.`;
}

/** The whole signed string: `<timestamp>.<body>` or `<timestamp>.<delivery id>.<body>`. */
export function signedPayload(timestamp: string, deliveryId: string | null, rawBody: string): string {
  return signaturePrefix(timestamp, deliveryId) + rawBody;
}
