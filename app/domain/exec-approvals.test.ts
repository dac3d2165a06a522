import { describe, expect, it } from "vitest";
import { EXEC_DECISION_MARGIN_MS, execAllowlistField, execDecisionDeadline, execDenialMessage, parseExecApprovalRequest } from "./exec-approvals";

// The payload as OpenClaw 2026.9.6 broadcasts it (exec.approval.requested), trimmed of fields we do not read.
const event = {
  approvalKind: "exec",
  id: "7ff06f6c-a2e8-4b81-92be-5859242f1cfd",
  request: {
    command: "ls /tmp",
    systemRunPlan: null,
    cwd: "/srv/state/workspace",
    nodeId: null,
    host: "gateway",
    security: "allowlist",
    ask: "always",
    allowedDecisions: ["allow-once", "deny"],
    agentId: "main",
    resolvedPath: "/usr/bin/ls",
    sessionKey: "agent:main:mc-task-1",
    sessionId: null,
    runId: "run-1",
    toolCallId: "call-1",
  },
  createdAtMs: 1_000_000,
  expiresAtMs: 1_000_000 + 1_800_000,
};

describe("exec approval requests", () => {
  it("reads what Mission Control decides on from the gateway's event", () => {
    expect(parseExecApprovalRequest(event)).toEqual({
      ok: true,
      request: {
        gatewayRequestId: event.id,
        command: "ls /tmp",
        argv: null,
        cwd: "/srv/state/workspace",
        host: "gateway",
        gatewayAgentId: "main",
        sessionKey: "agent:main:mc-task-1",
        runId: "run-1",
        toolCallId: "call-1",
        createdAtMs: 1_000_000,
        expiresAtMs: 2_800_000,
      },
    });
  });

  it("keeps the id of a request it cannot read, so it can still be denied", () => {
    expect(parseExecApprovalRequest({ ...event, request: { ...event.request, command: "" } })).toMatchObject({ ok: false, id: event.id });
    expect(parseExecApprovalRequest({ ...event, request: { ...event.request, command: "x".repeat(20_001) } })).toMatchObject({ ok: false, id: event.id });
    expect(parseExecApprovalRequest({ request: event.request, expiresAtMs: 1 })).toMatchObject({ ok: false, id: null });
    expect(parseExecApprovalRequest(null)).toMatchObject({ ok: false, id: null });
  });

  it("decides a minute before the gateway's 30-minute expiry, a tenth of a short window before, never in the past", () => {
    expect(execDecisionDeadline(event, event.createdAtMs)).toBe(event.expiresAtMs - EXEC_DECISION_MARGIN_MS);
    expect(execDecisionDeadline({ createdAtMs: 0, expiresAtMs: 100_000 }, 0)).toBe(90_000);
    expect(execDecisionDeadline({ createdAtMs: 0, expiresAtMs: 100_000 }, 95_000)).toBe(95_000);
    expect(execDecisionDeadline({ createdAtMs: null, expiresAtMs: 100_000 }, 200_000)).toBe(200_000);
  });

  it("tells the agent what was denied and why, shortening a long command", () => {
    const text = execDenialMessage("rm -rf /", "Denied by Alma Approver: not on prod");
    expect(text).toContain("`rm -rf /`");
    expect(text).toContain("Reason: Denied by Alma Approver: not on prod.");
    expect(execDenialMessage("x".repeat(1000), "r")).toContain(`${"x".repeat(300)}…`);
  });
});

describe("exec allowlists", () => {
  it("reads one pattern per line, trimmed, blank lines dropped", () => {
    expect(execAllowlistField.parse("git status\n\n  ls *  \r\nnpm test\n")).toEqual(["git status", "ls *", "npm test"]);
    expect(execAllowlistField.parse("")).toEqual([]);
  });

  it("refuses a pattern that allows everything, too many patterns, or a pattern too long", () => {
    expect(execAllowlistField.safeParse("*").success).toBe(false);
    expect(execAllowlistField.safeParse(" * * ").success).toBe(false);
    expect(execAllowlistField.safeParse(Array.from({ length: 51 }, (_, i) => `c${i}`).join("\n")).success).toBe(false);
    expect(execAllowlistField.safeParse("x".repeat(201)).success).toBe(false);
  });
});
