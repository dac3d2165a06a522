/**
 * Reconnect delay with exponential backoff and "equal jitter": attempt 0 waits
 * 0.5–1 s, doubling up to a 15–30 s window, so a restarted server is not hit
 * by every client at the same instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 1000, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
