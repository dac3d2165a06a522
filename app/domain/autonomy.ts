// Who may act alone. Every gated action gets the strictest autonomy level of
// its agent, its task type and its pipeline stage; a task without an agent is
// held as human-in-the-loop (strict by default), and high-risk work is never
// autonomous. Then: autonomous runs at once, hotl runs after a veto window
// unless someone vetoes, hitl waits for an approver. The database decides;
// this is its mirror, and an integration test checks that the two agree on
// every combination.

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

/** The level a task gets when no agent is assigned to it: nobody's autonomy to borrow, so a human decides. */
const MISSING_AGENT_LEVEL: AutonomyLevel = "hitl";

export interface PolicyInput {
  /** The assigned agent's level; null when the task has no agent. */
  agent: AutonomyLevel | null;
  /** The task type's default level; null when the task has no type (no constraint). */
  taskType: AutonomyLevel | null;
  /** The current pipeline stage's level; null outside a pipeline (no constraint). */
  stage: AutonomyLevel | null;
  risk: Risk;
}

export function effectiveLevel(input: PolicyInput): AutonomyLevel {
  let level = input.agent ?? MISSING_AGENT_LEVEL;
  for (const other of [input.taskType, input.stage]) if (other !== null && STRICTNESS[other] < STRICTNESS[level]) level = other;
  return input.risk === "high" && level === "autonomous" ? "hotl" : level;
}

export type GateDecision =
  | { kind: "allow"; by: "not_gated" | "autonomous" | "standing_grant" }
  | { kind: "veto_window"; minutes: number; level: "hotl" }
  | { kind: "approval"; level: "hitl" };

export function decideGate(opts: {
  action: GatedAction;
  gated: readonly GatedAction[];
  level: AutonomyLevel;
  vetoMinutes: number;
  /** A standing grant for this action on this task (only honoured for low risk). */
  standingGrant?: boolean;
  risk: Risk;
}): GateDecision {
  if (!opts.gated.includes(opts.action)) return { kind: "allow", by: "not_gated" };
  if (opts.standingGrant && opts.risk === "low") return { kind: "allow", by: "standing_grant" };
  if (opts.level === "autonomous") return { kind: "allow", by: "autonomous" };
  if (opts.level === "hotl") return { kind: "veto_window", minutes: opts.vetoMinutes, level: "hotl" };
  return { kind: "approval", level: "hitl" };
}

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
