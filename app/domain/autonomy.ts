// Who may act alone. Every gated action gets the strictest autonomy level of
// its agent, its task type and its pipeline stage; high-risk work is never
// autonomous. Then: autonomous runs at once, hotl runs after a veto window
// unless someone vetoes, hitl waits for an approver.

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

export function strictest(...levels: Array<AutonomyLevel | null | undefined>): AutonomyLevel {
  let result: AutonomyLevel = "autonomous";
  for (const level of levels) if (level && STRICTNESS[level] < STRICTNESS[result]) result = level;
  return result;
}

export interface PolicyInput {
  agent: AutonomyLevel;
  taskType: AutonomyLevel | null;
  stage: AutonomyLevel | null;
  risk: Risk;
}

export function effectiveLevel(input: PolicyInput): AutonomyLevel {
  const level = strictest(input.agent, input.taskType, input.stage);
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

/** Raising an agent to autonomous is itself a governed act: approvers and admins only. */
export function canSetAutonomy(role: "viewer" | "operator" | "approver" | "admin", to: AutonomyLevel): boolean {
  if (role === "viewer") return false;
  if (to === "autonomous") return role === "approver" || role === "admin";
  return true;
}
