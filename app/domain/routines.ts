import { CronExpressionParser } from "cron-parser";
import { COLUMN_LIMITS } from "./field-limits";
import { isTimeZone } from "./time";

// Routines' schedules (decision 046): a five-field cron expression read in an
// IANA time zone by cron-parser, which walks wall-clock time in that zone
// (a daily 02:30 runs once on the day the clocks skip 02:30, at 03:30, and
// once on the day 01:30 comes twice). Pure: every instant is passed in.

/** How many upcoming runs a routine's page lists. */
export const UPCOMING_RUNS = 5;
/** After a gap, how many of the skipped occurrences are recorded one by one (all are counted). */
export const RECORDED_SKIPS = 20;
/** Counting skipped occurrences stops here (a week of an every-minute routine). */
export const COUNTED_SKIPS = 10_000;

/** The catch-up policy, in the words the routine page shows. */
export const CATCH_UP_POLICY =
  "If Mission Control was down or the heartbeat late when runs fell due, only the latest missed run creates a task; the earlier ones are listed as skipped. Runs that fall due while the routine is paused are not made up.";

const ALIASES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@weekdays", "@weekends"]);

export type ScheduleCheck = { ok: true } | { ok: false; field: "schedule" | "time_zone"; message: string };

/** Whether a schedule and zone can be run; the message says what is wrong, in words a form shows. */
export function checkSchedule(schedule: string, timeZone: string): ScheduleCheck {
  if (!isTimeZone(timeZone)) return { ok: false, field: "time_zone", message: "Choose a time zone from the list" };
  const text = schedule.trim();
  if (text === "") return { ok: false, field: "schedule", message: "A schedule is required" };
  if (text.length > COLUMN_LIMITS.routines.schedule) return { ok: false, field: "schedule", message: "That schedule is too long" };
  if (text.startsWith("@")) {
    if (!ALIASES.has(text.toLowerCase())) return { ok: false, field: "schedule", message: `Unknown shortcut ${text}` };
  } else {
    const fields = text.split(/\s+/);
    if (fields.length !== 5) {
      return { ok: false, field: "schedule", message: "Use five fields: minute, hour, day of month, month, day of week (e.g. 0 9 * * 1-5)" };
    }
    // H (a random minute or hour) would move with every reading of the schedule.
    if (/h/i.test(text.replace(/[a-z]{3}/gi, ""))) return { ok: false, field: "schedule", message: "H (random) is not supported" };
  }
  try {
    CronExpressionParser.parse(text, { tz: timeZone, currentDate: new Date(0) }).next();
    return { ok: true };
  } catch (error) {
    return { ok: false, field: "schedule", message: `Not a valid schedule: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parse(schedule: string, timeZone: string, from: Date) {
  return CronExpressionParser.parse(schedule.trim(), { tz: timeZone, currentDate: from });
}

/** The next `count` occurrences strictly after `after`. */
export function nextOccurrences(schedule: string, timeZone: string, after: Date, count: number): Date[] {
  const interval = parse(schedule, timeZone, after);
  const out: Date[] = [];
  for (let i = 0; i < count; i++) {
    if (!interval.hasNext()) break;
    out.push(interval.next().toDate());
  }
  return out;
}

/** The first occurrence strictly after `after` (a new, edited or resumed routine's next run). */
export function nextRunAfter(schedule: string, timeZone: string, after: Date): Date {
  const [next] = nextOccurrences(schedule, timeZone, after, 1);
  if (!next) throw new Error(`The schedule ${schedule} has no further occurrence`);
  return next;
}

export interface CatchUp {
  /** The occurrence to create a task for: the latest that has come. */
  occurrence: Date;
  /** The most recent skipped occurrences (at most RECORDED_SKIPS), oldest first. */
  skipped: Date[];
  /** How many occurrences between the due one and `occurrence` are skipped (counting stops at COUNTED_SKIPS). */
  skippedTotal: number;
  /** The routine's next run: the first occurrence after now. */
  next: Date;
}

/**
 * What a due routine does now. `dueAt` is its stored next run (an occurrence,
 * at or before `now`). Only the latest occurrence up to now is created; those
 * from `dueAt` up to it are skipped, so a week offline creates one task, not
 * a week's worth. Null when nothing is due yet.
 */
export function catchUp(schedule: string, timeZone: string, dueAt: Date, now: Date): CatchUp | null {
  if (dueAt.getTime() > now.getTime()) return null;
  const next = nextRunAfter(schedule, timeZone, now);
  // The latest occurrence at or before now: the one before `next`, never earlier than the due one.
  const previous = parse(schedule, timeZone, next).prev().toDate();
  const occurrence = previous.getTime() < dueAt.getTime() ? dueAt : previous;
  const skipped: Date[] = [];
  let skippedTotal = 0;
  if (occurrence.getTime() > dueAt.getTime()) {
    // Walk back from the occurrence to the due one: the most recent are recorded, all are counted.
    const back = parse(schedule, timeZone, occurrence);
    while (skippedTotal < COUNTED_SKIPS) {
      const at = back.prev().toDate();
      if (at.getTime() < dueAt.getTime()) break;
      skippedTotal++;
      if (skipped.length < RECORDED_SKIPS) skipped.unshift(at);
    }
  }
  return { occurrence, skipped, skippedTotal, next };
}
