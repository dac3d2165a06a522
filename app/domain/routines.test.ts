import { describe, expect, it } from "vitest";
import { COUNTED_SKIPS, RECORDED_SKIPS, catchUp, checkSchedule, nextOccurrences, nextRunAfter } from "./routines";
import { routineSchema } from "./forms/routines";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("routine schedules", () => {
  it("keeps wall-clock time across a DST change: a daily 09:00 in New York moves from 14:00 to 13:00 UTC", () => {
    const runs = nextOccurrences("0 9 * * *", "America/New_York", new Date("2026-03-07T00:00:00Z"), 3);
    expect(iso(runs)).toEqual(["2026-03-07T14:00:00.000Z", "2026-03-08T13:00:00.000Z", "2026-03-09T13:00:00.000Z"]);
  });

  it("runs a time the clocks skip once, an hour on, and a time that comes twice once", () => {
    // 02:30 does not exist in Berlin on 29 March 2026; 02:30 comes twice on 25 October.
    expect(iso(nextOccurrences("30 2 * * *", "Europe/Berlin", new Date("2026-03-28T12:00:00Z"), 3))).toEqual([
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
    const autumn = nextOccurrences("30 2 * * *", "Europe/Berlin", new Date("2026-10-24T12:00:00Z"), 2);
    expect(autumn).toHaveLength(2);
    expect(autumn[1]!.getTime() - autumn[0]!.getTime()).toBe(25 * 3600_000);
  });

  it("takes the next run strictly after the given time", () => {
    expect(nextRunAfter("0 * * * *", "UTC", new Date("2026-12-03T10:00:00Z")).toISOString()).toBe("2026-12-03T11:00:00.000Z");
  });

  it("refuses what it cannot run, saying why", () => {
    expect(checkSchedule("0 9 * * 1-5", "Europe/Berlin")).toEqual({ ok: true });
    expect(checkSchedule("@daily", "UTC")).toEqual({ ok: true });
    for (const bad of ["", "61 * * * *", "* * *", "0 0 31 2 *", "hello world", "0 0 * * * *", "H 9 * * *", "@sometimes"]) {
      const check = checkSchedule(bad, "UTC");
      expect(check.ok, bad).toBe(false);
      if (!check.ok) expect(check.field, bad).toBe("schedule");
    }
    expect(checkSchedule("0 9 * * *", "Mars/Olympus_Mons")).toMatchObject({ ok: false, field: "time_zone" });
    const parsed = routineSchema.safeParse({ name: "Daily", template_id: "00000000-0000-4000-8000-000000000000", schedule: "0 25 * * *", time_zone: "UTC" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["schedule"]);
  });
});

describe("catching up after a gap", () => {
  it("does nothing before the run is due", () => {
    expect(catchUp("0 9 * * *", "UTC", new Date("2026-12-03T09:00:00Z"), new Date("2026-12-03T08:59:59Z"))).toBeNull();
  });

  it("creates the due run when the heartbeat is on time or a little late", () => {
    const turn = catchUp("0 9 * * *", "UTC", new Date("2026-12-03T09:00:00Z"), new Date("2026-12-03T09:00:40Z"))!;
    expect(turn.occurrence.toISOString()).toBe("2026-12-03T09:00:00.000Z");
    expect(turn.skipped).toEqual([]);
    expect(turn.skippedTotal).toBe(0);
    expect(turn.next.toISOString()).toBe("2026-12-04T09:00:00.000Z");
  });

  it("after a week offline creates only the latest missed run and skips the others", () => {
    const turn = catchUp("0 9 * * *", "UTC", new Date("2026-12-03T09:00:00Z"), new Date("2026-12-10T12:00:00Z"))!;
    expect(turn.occurrence.toISOString()).toBe("2026-12-10T09:00:00.000Z");
    expect(turn.skippedTotal).toBe(7);
    expect(iso(turn.skipped)[0]).toBe("2026-12-03T09:00:00.000Z");
    expect(iso(turn.skipped).at(-1)).toBe("2026-12-09T09:00:00.000Z");
    expect(turn.next.toISOString()).toBe("2026-12-11T09:00:00.000Z");
  });

  it("records only the most recent skipped runs and stops counting at a bound", () => {
    const turn = catchUp("* * * * *", "UTC", new Date("2026-11-01T00:00:00Z"), new Date("2026-12-01T00:00:30Z"))!;
    expect(turn.occurrence.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(turn.skipped).toHaveLength(RECORDED_SKIPS);
    expect(turn.skipped.at(-1)!.toISOString()).toBe("2026-11-30T23:59:00.000Z");
    expect(turn.skippedTotal).toBe(COUNTED_SKIPS);
  });
});
