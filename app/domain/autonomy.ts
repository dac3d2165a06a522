// Who may act alone. Every gated action gets the strictest autonomy level of
// its agent, its task type and its pipeline stage; a task without an agent is
// held as human-in-the-loop (strict by default), and high-risk work is never
// autonomous. Then: autonomous runs at once, hotl runs after a veto window
// unless someone vetoes, hitl waits for an approver. The database decides,
// in one function (task_gate in supabase/sql/07_governance.sql); this module
// holds the vocabulary pages show and the rule for who may change supervision.

import { type Role, roleAtLeast } from "./roles";

export const AUTONOMY_LEVELS = ["hitl", "hotl", "autonomous"] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

export const RISKS = ["low", "medium", "high"] as const;
export type Risk = (typeof RISKS)[number];

export const GATED_ACTIONS = ["dispatch", "stage_advance", "review_done", "agent_action"] as const;
export type GatedAction = (typeof GATED_ACTIONS)[number];

export const AUTONOMY_LABELS: Record<AutonomyLevel, string> = {
  hitl: "Human in the loop (approve first)",
  hotl: "Human on the loop (veto window)",
  autonomous: "Autonomous",
};

/** Lower is stricter. */
const STRICTNESS: Record<AutonomyLevel, number> = { hitl: 0, hotl: 1, autonomous: 2 };

/** What supervises a task from outside it: an agent's autonomy, or a pipeline stage's level and advance gate. */
export interface Supervision {
  autonomy_level: AutonomyLevel;
  gate_advance?: boolean;
}

/** True when the change supervises less: a level further along hitl → hotl → autonomous, or an advance no longer gated. */
export function lowersSupervision(before: Supervision, after: Supervision): boolean {
  if (STRICTNESS[after.autonomy_level] > STRICTNESS[before.autonomy_level]) return true;
  return before.gate_advance === true && after.gate_advance === false;
}

/**
 * Whether a role may make this change to an agent's or a stage's supervision:
 * less supervision is an approver's or admin's act, more is open to anyone who
 * may edit. The database decides (set_agent_autonomy, update_pipeline_stage);
 * this mirror only tells a page what to mark.
 */
export function canChangeSupervision(role: Role, before: Supervision, after: Supervision): boolean {
  if (!roleAtLeast(role, "operator")) return false;
  return roleAtLeast(role, "approver") || !lowersSupervision(before, after);
}

/** An agent's autonomy, from its current level: see canChangeSupervision. */
export function canSetAutonomy(role: Role, from: AutonomyLevel, to: AutonomyLevel): boolean {
  return canChangeSupervision(role, { autonomy_level: from }, { autonomy_level: to });
}
