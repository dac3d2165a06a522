/** Compact age for cards: "now", "5m", "3h", "2d", "6w". */
export function formatAge(from: Date | string, now: Date = new Date()): string {
  const ms = now.getTime() - new Date(from).getTime();
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "now";
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 14) return `${days}d`;
  return `${Math.floor(days / 7)}w`;
}

/** Whether a due date has passed. */
export function isOverdue(due: Date | string | null, now: Date = new Date()): boolean {
  return due !== null && new Date(due).getTime() < now.getTime();
}

/**
 * An instant as `<input type="date">` holds it (YYYY-MM-DD), empty for none.
 * A due date is that day's midnight UTC, so its UTC day is the one shown,
 * whatever zone the database answered in.
 */
export function dateInputValue(value: string | null): string {
  if (value === null) return "";
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? "" : at.toISOString().slice(0, 10);
}
