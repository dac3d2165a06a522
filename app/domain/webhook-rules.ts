// Rules of the signed completion webhook that need no crypto: header parsing
// and the replay window. The HMAC itself is computed in the service.

export const WEBHOOK_WINDOW_S = 300;
export const WEBHOOK_MAX_BYTES = 256 * 1024;

/** `sha256=<64 hex>` → the hex, else null. */
export function parseSignatureHeader(value: string | null): string | null {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(value?.trim() ?? "");
  return match ? match[1]!.toLowerCase() : null;
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

/** The bytes the signature covers: `<timestamp>.<raw body>`. */
export function signedPayload(timestamp: string, rawBody: string): string {
  return `${timestamp.trim()}.${rawBody}`;
}
