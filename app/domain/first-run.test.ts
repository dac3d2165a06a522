import { describe, expect, it } from "vitest";
import { firstRunSteps, gatewayRefusal, gatewayTestResult, showFirstRun } from "./first-run";

describe("first run", () => {
  it("ticks each step from real state", () => {
    const none = firstRunSteps({ workspaces: 0, gateway: "disabled", agents: 0, tasks: 0 });
    expect(none.map((s) => [s.id, s.done])).toEqual([
      ["workspace", false],
      ["gateway", false],
      ["agent", false],
      ["task", false],
    ]);
    const some = firstRunSteps({ workspaces: 1, gateway: "disconnected", agents: 2, tasks: 0 });
    expect(some.map((s) => s.done)).toEqual([true, false, true, false]);
    const all = firstRunSteps({ workspaces: 1, gateway: "connected", agents: 1, tasks: 1 });
    expect(all.every((s) => s.done)).toBe(true);
  });

  it("shows the checklist until done or dismissed", () => {
    const open = firstRunSteps({ workspaces: 1, gateway: "disabled", agents: 0, tasks: 0 });
    expect(showFirstRun(open, false)).toBe(true);
    expect(showFirstRun(open, true)).toBe(false);
    expect(showFirstRun(firstRunSteps({ workspaces: 1, gateway: "connected", agents: 1, tasks: 1 }), false)).toBe(false);
  });

  it("says in words why the gateway's actions cannot run", () => {
    expect(gatewayRefusal("connected")).toBeNull();
    expect(gatewayRefusal("disabled")).toMatch(/No OpenClaw gateway is configured/);
    expect(gatewayRefusal("disconnected")).toMatch(/not connected/);
  });

  it("reports a connection test in words", () => {
    expect(gatewayTestResult({ kind: "ok", agents: 1 })).toEqual({ ok: true, message: "Connected. The gateway answered and lists 1 agent." });
    expect(gatewayTestResult({ kind: "ok", agents: 3 }).message).toMatch(/3 agents/);
    expect(gatewayTestResult({ kind: "disabled" }).ok).toBe(false);
    expect(gatewayTestResult({ kind: "failed", message: "timed out" })).toEqual({ ok: false, message: "The gateway did not answer: timed out" });
  });
});
