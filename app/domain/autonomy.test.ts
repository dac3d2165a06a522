import { describe, expect, it } from "vitest";
import {
  AUTONOMY_LEVELS,
  GATED_ACTIONS,
  RISKS,
  type AutonomyLevel,
  canChangeSupervision,
  canSetAutonomy,
  decideGate,
  effectiveLevel,
  lowersSupervision,
} from "./autonomy";

const ORDER: AutonomyLevel[] = ["hitl", "hotl", "autonomous"];
const min = (...levels: AutonomyLevel[]) => ORDER[Math.min(...levels.map((l) => ORDER.indexOf(l)))]!;

describe("effectiveLevel: every combination of agent, task type, stage and risk", () => {
  const optional: Array<AutonomyLevel | null> = [null, ...AUTONOMY_LEVELS];
  const rows: Array<[AutonomyLevel | null, AutonomyLevel | null, AutonomyLevel | null, (typeof RISKS)[number], AutonomyLevel]> = [];
  for (const agent of optional)
    for (const taskType of optional)
      for (const stage of optional)
        for (const risk of RISKS) {
          // No agent reads as hitl; a missing task type or stage sets no level.
          const strict = min(agent ?? "hitl", ...(taskType ? [taskType] : []), ...(stage ? [stage] : []));
          rows.push([agent, taskType, stage, risk, risk === "high" && strict === "autonomous" ? "hotl" : strict]);
        }

  it("covers 4 × 4 × 4 × 3 combinations", () => expect(rows).toHaveLength(192));

  it.each(rows)("agent %s, type %s, stage %s, risk %s → %s", (agent, taskType, stage, risk, expected) => {
    expect(effectiveLevel({ agent, taskType, stage, risk })).toBe(expected);
  });

  it("holds a task without an agent for a human, whatever its type and stage allow", () => {
    for (const taskType of optional) for (const stage of optional) expect(effectiveLevel({ agent: null, taskType, stage, risk: "low" })).toBe("hitl");
  });

  it("never yields autonomous for high risk", () => {
    for (const [agent, taskType, stage] of rows) expect(effectiveLevel({ agent, taskType, stage, risk: "high" })).not.toBe("autonomous");
  });
});

describe("decideGate", () => {
  it("lets an ungated action through whatever the level", () => {
    for (const level of AUTONOMY_LEVELS) {
      expect(decideGate({ action: "dispatch", gated: ["review_done"], level, vetoMinutes: 10, risk: "high" })).toEqual({ kind: "allow", by: "not_gated" });
    }
  });

  it.each(GATED_ACTIONS)("gates %s by level: autonomous runs, hotl waits a veto window, hitl needs approval", (action) => {
    const gated = [action];
    expect(decideGate({ action, gated, level: "autonomous", vetoMinutes: 10, risk: "low" })).toEqual({ kind: "allow", by: "autonomous" });
    expect(decideGate({ action, gated, level: "hotl", vetoMinutes: 7, risk: "medium" })).toEqual({ kind: "veto_window", minutes: 7, level: "hotl" });
    expect(decideGate({ action, gated, level: "hitl", vetoMinutes: 10, risk: "high" })).toEqual({ kind: "approval", level: "hitl" });
  });

  it("honours a standing grant for low risk only", () => {
    const base = { action: "agent_action" as const, gated: ["agent_action" as const], level: "hitl" as const, vetoMinutes: 10, standingGrant: true };
    expect(decideGate({ ...base, risk: "low" })).toEqual({ kind: "allow", by: "standing_grant" });
    expect(decideGate({ ...base, risk: "medium" })).toEqual({ kind: "approval", level: "hitl" });
    expect(decideGate({ ...base, risk: "high" })).toEqual({ kind: "approval", level: "hitl" });
  });
});

describe("who may set autonomy", () => {
  it("needs an approver or admin to lower an agent's supervision, not to raise it", () => {
    // Lowering: hitl → hotl → autonomous.
    for (const [from, to] of [["hitl", "hotl"], ["hitl", "autonomous"], ["hotl", "autonomous"]] as const) {
      expect(canSetAutonomy("operator", from, to), `${from} → ${to}`).toBe(false);
      expect(canSetAutonomy("approver", from, to)).toBe(true);
      expect(canSetAutonomy("admin", from, to)).toBe(true);
    }
    // Raising, or keeping the level, is open to operators.
    for (const [from, to] of [["autonomous", "hotl"], ["autonomous", "hitl"], ["hotl", "hitl"], ["hotl", "hotl"]] as const) {
      expect(canSetAutonomy("operator", from, to), `${from} → ${to}`).toBe(true);
    }
    // Viewers change nothing.
    for (const to of AUTONOMY_LEVELS) expect(canSetAutonomy("viewer", "autonomous", to)).toBe(false);
  });

  it("counts an advance no longer gated as less supervision, whatever the level does", () => {
    expect(lowersSupervision({ autonomy_level: "hitl", gate_advance: true }, { autonomy_level: "hitl", gate_advance: false })).toBe(true);
    expect(lowersSupervision({ autonomy_level: "hotl", gate_advance: true }, { autonomy_level: "hitl", gate_advance: false })).toBe(true);
    expect(lowersSupervision({ autonomy_level: "hotl", gate_advance: false }, { autonomy_level: "hitl", gate_advance: true })).toBe(false);
    expect(lowersSupervision({ autonomy_level: "hitl", gate_advance: false }, { autonomy_level: "hitl", gate_advance: false })).toBe(false);
    expect(canChangeSupervision("operator", { autonomy_level: "hitl", gate_advance: true }, { autonomy_level: "hitl", gate_advance: false })).toBe(false);
    expect(canChangeSupervision("operator", { autonomy_level: "autonomous", gate_advance: false }, { autonomy_level: "hotl", gate_advance: true })).toBe(true);
    expect(canChangeSupervision("approver", { autonomy_level: "hitl", gate_advance: true }, { autonomy_level: "autonomous", gate_advance: false })).toBe(true);
  });
});
