import type { AutonomyLevel, GatedAction, Risk } from "#app/domain/autonomy";

// The autonomy policy written out once more, by hand, as the specification the
// tests hold the database to: tests/integration/autonomy-policy.test.ts checks
// task_gate against it for every combination. The app itself never decides a
// gate in TypeScript; the database does (task_gate).

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
  if (opts.level === "autonomous") return { kind: "allow", by: "autonomous" };
  if (opts.standingGrant && opts.risk === "low") return { kind: "allow", by: "standing_grant" };
  if (opts.level === "hotl") return { kind: "veto_window", minutes: opts.vetoMinutes, level: "hotl" };
  return { kind: "approval", level: "hitl" };
}
