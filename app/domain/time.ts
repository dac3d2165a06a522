/**
 * Times as people read them. Every instant on a page is shown in the reader's
 * own time zone (the user's `time_zone`, UTC until one is known), in one
 * absolute format, with a relative form beside it. A due date is a calendar
 * day: the forms store it as that day's midnight UTC, and it is due at the
 * end of that day in the reader's zone.
 */

import { COLUMN_LIMITS } from "./field-limits";

export const DEFAULT_TIME_ZONE = "UTC";

let zones: ReadonlySet<string> | null = null;

/** The zones this runtime knows (IANA names), plus UTC, which Intl lists apart. */
export function supportedTimeZones(): readonly string[] {
  return [...knownZones()];
}

function knownZones(): ReadonlySet<string> {
  zones ??= new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);
  return zones;
}

/** Whether a name is a time zone Intl can render in; only these are stored. */
export function isTimeZone(value: unknown): value is string {
  return typeof value === "string" && value.length <= COLUMN_LIMITS.users.time_zone && knownZones().has(value);
}

/** The zone to render in: the user's when it is a known one, UTC otherwise. */
export function zoneOr(value: string | null | undefined): string {
  return isTimeZone(value) ? value : DEFAULT_TIME_ZONE;
}

/**
 * One formatter per locale, options and zone, made once: building an
 * Intl.DateTimeFormat costs far more than formatting with it, and a board
 * formats a few dates per card.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let made = formatters.get(key);
  if (!made) {
    made = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, made);
  }
  return made;
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a zone. */
export function localDay(at: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return formatter("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/**
 * The calendar day of a due date stored as midnight UTC, or null when the due
 * time carries a time of day of its own (the API accepts full date-times).
 */
export function dueDay(due: Date | string): string | null {
  const at = new Date(due);
  if (Number.isNaN(at.getTime())) return null;
  return at.getUTCHours() === 0 && at.getUTCMinutes() === 0 && at.getUTCSeconds() === 0 && at.getUTCMilliseconds() === 0 ? at.toISOString().slice(0, 10) : null;
}

/**
 * Whether a due date has passed. A due day is overdue once that day has
 * ended in the reader's zone, so a task due today is never late today, east
 * or west of UTC; a due date-time is overdue once the instant has passed.
 */
export function isOverdue(due: Date | string | null, now: Date = new Date(), timeZone: string = DEFAULT_TIME_ZONE): boolean {
  if (due === null) return false;
  const day = dueDay(due);
  if (day !== null) return localDay(now, timeZone) > day;
  return new Date(due).getTime() < now.getTime();
}

/** Whether a due day is the reader's today (for a "due today" cue). */
export function isDueToday(due: Date | string | null, now: Date = new Date(), timeZone: string = DEFAULT_TIME_ZONE): boolean {
  if (due === null) return false;
  const day = dueDay(due);
  return day !== null && day === localDay(now, timeZone);
}

const DATE = { day: "numeric", month: "short", year: "numeric" } as const;

/** The one date format: "2 Dec 2026". */
export function formatDate(value: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return "";
  return formatter("en-GB", { ...DATE, timeZone }).format(at);
}

/** The one date-and-time format, with the zone named: "2 Dec 2026, 14:05 CET". */
export function formatDateTime(value: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return "";
  return formatter("en-GB", {
    ...DATE,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
    timeZone,
  }).format(at);
}

/** A time of day in a zone, for lists grouped by day: "14:05". */
export function formatClock(value: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return "";
  return formatter("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone }).format(at);
}

/** A calendar day (YYYY-MM-DD, such as a UTC day of a chart) as a short label: "7 Nov". */
export function formatDayShort(day: string): string {
  const at = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? day : formatter("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(at);
}

/** How a due date reads: its day, or its day and time when it has one. */
export function formatDue(due: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const day = dueDay(due);
  // A due day is a calendar day, the same wherever it is read.
  return day !== null ? formatDate(`${day}T00:00:00Z`, "UTC") : formatDateTime(due, timeZone);
}

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

/** A relative time in words: "just now", "5 min ago", "3 h ago", "in 2 d". */
export function formatRelative(value: Date | string, now: Date = new Date()): string {
  const ms = new Date(value).getTime() - now.getTime();
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return "just now";
  let amount: string;
  if (minutes < 60) amount = `${minutes} min`;
  else if (minutes < 60 * 24) amount = `${Math.floor(minutes / 60)} h`;
  else if (minutes < 60 * 24 * 14) amount = `${Math.floor(minutes / (60 * 24))} d`;
  else amount = `${Math.floor(minutes / (60 * 24 * 7))} wk`;
  return ms < 0 ? `${amount} ago` : `in ${amount}`;
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
