// The task state machine. The baseline migration (supabase/migrations) seeds the same
// transitions into task_transitions; an integration test keeps them equal.

export const TASK_STATUSES = ["planning", "inbox", "assigned", "in_progress", "testing", "review", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The columns the board shows, in order; cancelled tasks are listed on request. */
export const BOARD_COLUMNS = TASK_STATUSES.filter((s) => s !== "cancelled");

export const STATUS_LABELS: Record<TaskStatus, string> = {
  planning: "Planning",
  inbox: "Inbox",
  assigned: "Assigned",
  in_progress: "In progress",
  testing: "Testing",
  review: "Review",
  done: "Done",
  cancelled: "Cancelled",
};

export const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  planning: ["inbox", "assigned", "cancelled"],
  inbox: ["planning", "assigned", "cancelled"],
  assigned: ["inbox", "in_progress", "cancelled"],
  in_progress: ["assigned", "testing", "review", "cancelled"],
  testing: ["assigned", "review", "cancelled"],
  review: ["assigned", "done", "cancelled"],
  done: ["review"],
  cancelled: ["inbox"],
};

/** Statuses in which the task must name the agent doing the work. */
export const NEEDS_ASSIGNEE: readonly TaskStatus[] = ["assigned", "in_progress"];

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === "string" && (TASK_STATUSES as readonly string[]).includes(value);
}

export function allowedTransitions(from: TaskStatus): readonly TaskStatus[] {
  return TRANSITIONS[from];
}

export type TransitionCheck = { ok: true } | { ok: false; reason: "same_status" | "not_allowed" | "needs_assignee"; allowed: readonly TaskStatus[] };

export function checkTransition(from: TaskStatus, to: TaskStatus, hasAssignee: boolean): TransitionCheck {
  const allowed = TRANSITIONS[from];
  if (from === to) return { ok: false, reason: "same_status", allowed };
  if (!allowed.includes(to)) return { ok: false, reason: "not_allowed", allowed };
  if (NEEDS_ASSIGNEE.includes(to) && !hasAssignee) return { ok: false, reason: "needs_assignee", allowed };
  return { ok: true };
}

export function describeTransitionError(from: TaskStatus, to: TaskStatus, check: TransitionCheck): string {
  if (check.ok) return "";
  switch (check.reason) {
    case "same_status":
      return `The task is already in ${STATUS_LABELS[to]}.`;
    case "needs_assignee":
      return `Choose an agent before moving the task to ${STATUS_LABELS[to]}.`;
    case "not_allowed":
      return `A task in ${STATUS_LABELS[from]} cannot move to ${STATUS_LABELS[to]}. Allowed: ${
        check.allowed.map((s) => STATUS_LABELS[s]).join(", ") || "none"
      }.`;
  }
}
