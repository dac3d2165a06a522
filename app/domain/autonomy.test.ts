import { describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, canChangeSupervision, canSetAutonomy, lowersSupervision } from "./autonomy";

describe("who may set autonomy", () => {
  it("needs an approver or admin to lower an agent's supervision, not to raise it", () => {
    // Lowering: hitl → hotl → autonomous.
    for (const [from, to] of [
      ["hitl", "hotl"],
      ["hitl", "autonomous"],
      ["hotl", "autonomous"],
    ] as const) {
      expect(canSetAutonomy("operator", from, to), `${from} → ${to}`).toBe(false);
      expect(canSetAutonomy("approver", from, to)).toBe(true);
      expect(canSetAutonomy("admin", from, to)).toBe(true);
    }
    // Raising, or keeping the level, is open to operators.
    for (const [from, to] of [
      ["autonomous", "hotl"],
      ["autonomous", "hitl"],
      ["hotl", "hitl"],
      ["hotl", "hotl"],
    ] as const) {
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
