import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  BOARD_COLUMNS,
  NEEDS_ASSIGNEE,
  STATUS_LABELS,
  TASK_STATUSES,
  TRANSITIONS,
  allowedTransitions,
  checkTransition,
  describeTransitionError,
  isTaskStatus,
  type TaskStatus,
} from "./task-status";

const pairs = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as [TaskStatus, TaskStatus]));

describe("the transition table", () => {
  it("names only known statuses and never a move to the same status", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...TASK_STATUSES].sort());
    for (const [from, targets] of Object.entries(TRANSITIONS)) {
      for (const to of targets) expect(isTaskStatus(to)).toBe(true);
      expect(targets).not.toContain(from);
      expect(new Set(targets).size).toBe(targets.length);
    }
  });

  it("leaves no status stranded: every status can be left and reached", () => {
    for (const s of TASK_STATUSES) {
      expect(TRANSITIONS[s].length).toBeGreaterThan(0);
      expect(TASK_STATUSES.some((from) => TRANSITIONS[from].includes(s))).toBe(true);
    }
  });

  it("shows every status but cancelled on the board, in order", () => {
    expect(BOARD_COLUMNS).toEqual(["planning", "inbox", "assigned", "in_progress", "testing", "review", "done"]);
  });

  it("exposes the table through allowedTransitions", () => {
    for (const s of TASK_STATUSES) expect(allowedTransitions(s)).toBe(TRANSITIONS[s]);
  });
});

describe("checkTransition", () => {
  it.each(pairs)("%s → %s is allowed exactly when the table lists it (with an assignee)", (from, to) => {
    const check = checkTransition(from, to, true);
    if (from === to) expect(check).toEqual({ ok: false, reason: "same_status", allowed: TRANSITIONS[from] });
    else if (TRANSITIONS[from].includes(to)) expect(check).toEqual({ ok: true });
    else expect(check).toEqual({ ok: false, reason: "not_allowed", allowed: TRANSITIONS[from] });
  });

  it.each(pairs)("%s → %s without an assignee needs one only for assigned and in_progress", (from, to) => {
    const check = checkTransition(from, to, false);
    const legal = from !== to && TRANSITIONS[from].includes(to);
    if (legal && NEEDS_ASSIGNEE.includes(to)) expect(check).toEqual({ ok: false, reason: "needs_assignee", allowed: TRANSITIONS[from] });
    else expect(check.ok).toBe(legal);
  });

  it("needs an assignee for exactly assigned and in_progress", () => {
    expect([...NEEDS_ASSIGNEE].sort()).toEqual(["assigned", "in_progress"]);
  });

  it("reports an illegal move before a missing assignee", () => {
    expect(checkTransition("done", "in_progress", false)).toMatchObject({ reason: "not_allowed" });
  });
});

describe("describeTransitionError", () => {
  it("is empty for an allowed move", () => {
    expect(describeTransitionError("inbox", "planning", checkTransition("inbox", "planning", false))).toBe("");
  });

  it("explains a same-status move", () => {
    expect(describeTransitionError("review", "review", checkTransition("review", "review", true))).toBe("The task is already in Review.");
  });

  it("asks for an agent when one is needed", () => {
    expect(describeTransitionError("inbox", "assigned", checkTransition("inbox", "assigned", false))).toBe(
      "Choose an agent before moving the task to Assigned.",
    );
  });

  it("lists the allowed targets by label", () => {
    expect(describeTransitionError("done", "inbox", checkTransition("done", "inbox", true))).toBe("A task in Done cannot move to Inbox. Allowed: Review.");
    expect(describeTransitionError("in_progress", "done", checkTransition("in_progress", "done", true))).toBe(
      "A task in In progress cannot move to Done. Allowed: Assigned, Testing, Review, Cancelled.",
    );
  });

  it("says none when nothing is allowed", () => {
    const check = { ok: false, reason: "not_allowed", allowed: [] } as const;
    expect(describeTransitionError("done", "inbox", check)).toBe("A task in Done cannot move to Inbox. Allowed: none.");
  });
});

describe("isTaskStatus", () => {
  it("accepts the statuses and nothing else", () => {
    for (const s of TASK_STATUSES) expect(isTaskStatus(s)).toBe(true);
    for (const v of ["", "Done", "in progress", "archived", null, undefined, 3, {}]) expect(isTaskStatus(v)).toBe(false);
  });

  it("has a label for every status", () => {
    for (const s of TASK_STATUSES) expect(STATUS_LABELS[s]).toMatch(/^[A-Z][a-z ]+$/);
  });
});

describe("status labels in SQL", () => {
  it("status_label() writes each status as STATUS_LABELS names it", () => {
    const sql = readFileSync(new URL("../../supabase/sql/01_base_helpers.sql", import.meta.url), "utf8");
    const body = sql.slice(sql.indexOf("function status_label("), sql.indexOf("function task_field_label("));
    const pairs = Object.fromEntries([...body.matchAll(/when '([a-z_]+)' then '([^']+)'/g)].map((m) => [m[1], m[2]]));
    expect(pairs).toEqual(STATUS_LABELS);
  });
});
