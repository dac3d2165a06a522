import { z } from "zod";
import { atMost } from "../field-limits";
import { STEER_MESSAGE_MAX_CHARS } from "../input-limits";
import type { TaskStatus } from "../task-status";

// Steering a run (decision 037): the task page's form that sends an
// operator's follow-up message into the task's session, and when a task
// cannot take one.

export const steerSchema = z.strictObject({
  message: z
    .string({ error: "Write a message for the agent" })
    .trim()
    .min(1, "Write a message for the agent")
    .max(STEER_MESSAGE_MAX_CHARS, atMost(STEER_MESSAGE_MAX_CHARS)),
});

/** Statuses whose session takes a follow-up: dispatched work, not yet finished. Planning has its own answer form. */
export const STEERABLE_STATUSES: readonly TaskStatus[] = ["in_progress", "testing", "review"];

export interface SteerTarget {
  status: TaskStatus;
  session_key: string | null;
}

/** What stops a task's session from taking a message, in words, or null when it can. `halt` is the stop control in effect (dispatch_halt). */
export function steerRefusal(task: SteerTarget, halt: "emergency_stop" | "workspace_paused" | "agent_paused" | null): string | null {
  if (task.status === "planning") return "The task is in planning: answer the planner's questions instead.";
  if (task.status === "done" || task.status === "cancelled")
    return `The task is ${task.status === "done" ? "done" : "cancelled"}: its session takes no more messages.`;
  if (!task.session_key) return "The task has no agent session yet: dispatch it first.";
  if (!STEERABLE_STATUSES.includes(task.status)) return "The task has no run to steer in its current status.";
  if (halt === "emergency_stop") return "The emergency stop holds: no message reaches an agent until an admin resumes.";
  if (halt === "workspace_paused") return "This workspace is paused: resume it to message its agents.";
  if (halt === "agent_paused") return "The agent is paused: resume it to send it a message.";
  return null;
}
