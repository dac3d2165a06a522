import { describe, expect, it } from "vitest";
import { dateInputValue, formatAge, isOverdue } from "./time";

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

  it("is true only once the due time has passed", () => {
    expect(isOverdue(ago(1), now)).toBe(true);
    expect(isOverdue(now, now)).toBe(false);
    expect(isOverdue(new Date(now.getTime() + 1), now)).toBe(false);
    expect(isOverdue("2026-06-14", now)).toBe(true);
    expect(isOverdue("2026-06-16T00:00:00Z", now)).toBe(false);
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
