import { describe, expect, it } from "vitest";
import {
  dateInputValue,
  dueDay,
  formatAge,
  formatClock,
  formatDate,
  formatDateTime,
  formatDayShort,
  formatDue,
  formatRelative,
  isDueToday,
  isOverdue,
  isTimeZone,
  localDay,
  supportedTimeZones,
  zoneOr,
} from "./time";

const now = new Date("2026-06-15T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("formatAge", () => {
  it.each([
    [0, "now"],
    [59_999, "now"],
    [MIN, "1m"],
    [59 * MIN, "59m"],
    [HOUR, "1h"],
    [23 * HOUR + 59 * MIN, "23h"],
    [DAY, "1d"],
    [13 * DAY, "13d"],
    [14 * DAY, "2w"],
    [100 * DAY, "14w"],
  ])("%d ms ago → %s", (ms, label) => {
    expect(formatAge(ago(ms), now)).toBe(label);
  });

  it("accepts ISO strings as the database returns them", () => {
    expect(formatAge("2026-06-15T09:00:00Z", now)).toBe("3h");
  });

  it("says now for times in the future (clock skew)", () => {
    expect(formatAge(new Date(now.getTime() + HOUR), now)).toBe("now");
  });
});

describe("isOverdue", () => {
  it("is false without a due date", () => {
    expect(isOverdue(null, now)).toBe(false);
  });

  it("is true only once a due date-time has passed", () => {
    expect(isOverdue(new Date(now.getTime() - 1), now)).toBe(true);
    expect(isOverdue("2026-06-15T11:59:00Z", now)).toBe(true);
    expect(isOverdue("2026-06-15T12:00:01Z", now)).toBe(false);
  });

  // A due day is stored as its midnight UTC and ends at the reader's midnight.
  const due = "2026-06-15T00:00:00.000Z";

  it("is never overdue on the due day itself, from its first to its last minute", () => {
    expect(isOverdue(due, new Date("2026-06-15T00:00:00Z"), "UTC")).toBe(false);
    expect(isOverdue(due, new Date("2026-06-15T12:00:00Z"), "UTC")).toBe(false);
    expect(isOverdue(due, new Date("2026-06-15T23:59:59Z"), "UTC")).toBe(false);
    expect(isOverdue(due, new Date("2026-06-16T00:00:00Z"), "UTC")).toBe(true);
  });

  it("west of UTC it is not late the evening before, nor during the day, only after local midnight", () => {
    const zone = "America/Los_Angeles"; // UTC-7 in June
    // 17:00 on the 14th in Los Angeles: the old rule called this overdue.
    expect(isOverdue(due, new Date("2026-06-15T00:00:00Z"), zone)).toBe(false);
    // 23:59 on the 15th in Los Angeles.
    expect(isOverdue(due, new Date("2026-06-16T06:59:00Z"), zone)).toBe(false);
    // 00:00 on the 16th in Los Angeles.
    expect(isOverdue(due, new Date("2026-06-16T07:00:00Z"), zone)).toBe(true);
  });

  it("east of UTC it turns late at local midnight, before UTC's", () => {
    const zone = "Asia/Tokyo"; // UTC+9
    expect(isOverdue(due, new Date("2026-06-15T14:59:00Z"), zone)).toBe(false);
    expect(isOverdue(due, new Date("2026-06-15T15:00:00Z"), zone)).toBe(true);
  });

  it("reads a date the way the database writes it, in any zone", () => {
    expect(isOverdue("2026-06-15T02:00:00+02:00", new Date("2026-06-15T20:00:00Z"), "UTC")).toBe(false);
    expect(isOverdue("2026-06-14", now, "UTC")).toBe(true);
  });
});

describe("isDueToday", () => {
  it("follows the reader's day", () => {
    const due = "2026-06-15T00:00:00Z";
    expect(isDueToday(due, new Date("2026-06-15T10:00:00Z"), "UTC")).toBe(true);
    expect(isDueToday(due, new Date("2026-06-15T03:00:00Z"), "America/New_York")).toBe(false);
    expect(isDueToday(null, now)).toBe(false);
    expect(isDueToday("2026-06-15T10:00:00Z", now)).toBe(false);
  });
});

describe("time zones", () => {
  it("knows IANA zones and UTC, and nothing else", () => {
    expect(isTimeZone("Europe/Paris")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(isTimeZone(42)).toBe(false);
    expect(supportedTimeZones()).toContain("America/Los_Angeles");
  });

  it("falls back to UTC for none or an unknown zone", () => {
    expect(zoneOr(null)).toBe("UTC");
    expect(zoneOr("Nowhere/Else")).toBe("UTC");
    expect(zoneOr("Asia/Tokyo")).toBe("Asia/Tokyo");
  });

  it("finds the local day", () => {
    expect(localDay(new Date("2026-06-15T23:30:00Z"), "Asia/Tokyo")).toBe("2026-06-16");
    expect(localDay(new Date("2026-06-15T03:30:00Z"), "America/New_York")).toBe("2026-06-14");
  });
});

describe("formats", () => {
  it("writes one date format and one date-time format, in the reader's zone, with the zone named", () => {
    expect(formatDate("2026-12-02T10:00:00Z")).toBe("2 Dec 2026");
    expect(formatDate("2026-12-02T23:30:00Z", "Asia/Tokyo")).toBe("3 Dec 2026");
    expect(formatDateTime("2026-12-02T13:05:00Z", "UTC")).toBe("2 Dec 2026, 13:05 UTC");
    expect(formatDateTime("2026-12-02T13:05:00Z", "Europe/Paris")).toBe("2 Dec 2026, 14:05 CET");
    expect(formatDateTime("not a date")).toBe("");
    expect(formatClock("2026-12-02T13:05:09Z", "Europe/Paris")).toBe("14:05:09");
  });

  it("labels a chart's day briefly", () => {
    expect(formatDayShort("2026-11-07")).toBe("7 Nov");
    expect(formatDayShort("nonsense")).toBe("nonsense");
  });

  it("shows a due day as the same calendar day in every zone", () => {
    expect(formatDue("2026-12-02T00:00:00Z", "America/Los_Angeles")).toBe("2 Dec 2026");
    expect(formatDue("2026-12-02T15:30:00Z", "UTC")).toBe("2 Dec 2026, 15:30 UTC");
    expect(dueDay("2026-12-02T15:30:00Z")).toBeNull();
  });

  it.each([
    [0, "just now"],
    [-30_000, "just now"],
    [-5 * MIN, "5 min ago"],
    [-3 * HOUR, "3 h ago"],
    [-2 * DAY, "2 d ago"],
    [-21 * DAY, "3 wk ago"],
    [2 * HOUR, "in 2 h"],
  ])("relative %d ms → %s", (ms, text) => {
    expect(formatRelative(new Date(now.getTime() + ms), now)).toBe(text);
  });
});

describe("dateInputValue", () => {
  it.each([
    [null, ""],
    ["2030-01-15T00:00:00+00:00", "2030-01-15"],
    ["2030-01-15T00:00:00.000Z", "2030-01-15"],
    // The same instant as a database in another zone writes it: still the UTC day.
    ["2030-01-15T01:00:00+01:00", "2030-01-15"],
    ["2030-01-14T19:00:00-05:00", "2030-01-15"],
    ["not a date", ""],
  ])("%j → %j", (value, shown) => {
    expect(dateInputValue(value)).toBe(shown);
  });
});
