import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type ExecRequestInput, markExecResolved, recordExecRequest, settleExecRequests, updateTaskType } from "#app/db/governance.server";
import type { Workspace } from "#app/db/workspaces.server";
import { type Gateway, GatewayUnavailableError } from "#app/services/agent-plane/gateway.server";
import { singleGatewayLookup } from "#app/services/agent-plane/gateway-registry.server";
import { resolveExecDecisions } from "#app/services/governance/exec-approvals.server";
import { createLogger } from "#app/services/observability/logger.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, type TestUser, appError, createAgent, createTask, createUser, createWorkspace, query } from "#tests/support/fixtures";

// Exec approvals in SQL (decision 043): record_exec_request maps a gateway
// request to its task and decides it with the one policy (risk, autonomy,
// allowlist, standing grants, stop controls) in the same transaction that
// audits it; settle_exec_requests turns decided approvals into decisions for
// the gateway; a decision the gateway cannot take yet stays due.
describe.each(TRANSPORTS)("exec approvals on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let approver: TestUser;
  let types: Record<string, string>;
  const log = createLogger("silent");
  const hour = () => new Date(Date.now() + 3600_000).toISOString();
  const deadline = () => new Date(Date.now() + 1800_000).toISOString();

  beforeAll(async () => {
    ws = await createWorkspace(db());
    approver = await createUser(db(), "approver", "Alma Approver");
    const rows = await query<{ key: string; id: string }>(db(), "select key, id from task_types");
    types = Object.fromEntries(rows.map((r) => [r.key, r.id]));
  });

  /** A task in progress on a session of its agent (OpenClaw agent `main` unless told otherwise). */
  async function runningTask(opts: { type?: string; autonomy?: string; openclaw?: string } = {}) {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: opts.openclaw ?? "main" });
    await query(db(), "update agents set autonomy_level = $1 where id = $2", [opts.autonomy ?? "hitl", agent.id]);
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types[opts.type ?? "research"] ?? null });
    const sessionKey = `agent:${opts.openclaw ?? "main"}:mc-task-${task.id}`;
    await query(db(), "update tasks set session_key = $1, status = 'in_progress' where id = $2", [sessionKey, task.id]);
    return { agent, task, sessionKey };
  }
  const request = (sessionKey: string | null, command: string, extra: Partial<ExecRequestInput> = {}): ExecRequestInput => ({
    gateway_request_id: `gw-${randomBytes(6).toString("hex")}`,
    command,
    argv: null,
    cwd: "/srv/work",
    host: "gateway",
    gateway_agent_id: "main",
    session_key: sessionKey,
    run_id: "run-1",
    tool_call_id: "call-1",
    gateway_expires_at: hour(),
    ...extra,
  });
  const record = (input: ExecRequestInput, until = deadline()) => recordExecRequest(db(), input, until, 3600);

  it("denies a session that is no Mission Control task, or whose agent is not the task's, and audits it", async () => {
    const stray = await record(request("agent:main:main", "ls"));
    expect(stray).toMatchObject({ gate: "deny", gate_by: "unattributed", decision: "deny", task_id: null, approval_id: null, replayed: false });
    const { sessionKey } = await runningTask();
    const impostor = await record(request(sessionKey, "ls", { gateway_agent_id: "other" }));
    expect(impostor).toMatchObject({ gate: "deny", gate_by: "unattributed", task_id: null });
    const audit = await query<{ data: { gate: string; command: string } }>(
      db(),
      "select data from audit_log where kind = 'exec.requested' and subject->>'exec_request_id' = $1",
      [stray.id],
    );
    expect(audit).toEqual([{ data: expect.objectContaining({ gate: "deny", command: "ls" }) }]);
  });

  it("answers a replayed request with its first record and writes nothing", async () => {
    const { sessionKey } = await runningTask({ type: "none" });
    const input = request(sessionKey, "ls -la");
    const first = await record(input);
    const before = await query<{ n: number }>(db(), "select count(*)::int as n from audit_log");
    const again = await record({ ...input, command: "rm -rf /" });
    expect(again).toMatchObject({ id: first.id, command: "ls -la", replayed: true });
    expect(await query<{ n: number }>(db(), "select count(*)::int as n from audit_log")).toEqual(before);
    expect(await query(db(), "select id from exec_requests where gateway_request_id = $1", [input.gateway_request_id])).toHaveLength(1);
  });

  it("runs allowlisted commands of an autonomous agent on low-risk work, and nothing chained onto them", async () => {
    await updateTaskType(db(), types.research!, { exec_allowlist: ["git status", "ls *"] }, SYSTEM);
    const { sessionKey, task } = await runningTask({ autonomy: "autonomous" });
    expect(await record(request(sessionKey, "ls -la src"))).toMatchObject({
      gate: "allow",
      gate_by: "autonomous_allowlist",
      decision: "allow-once",
      task_id: task.id,
    });
    expect(await record(request(sessionKey, "git status"))).toMatchObject({ gate: "allow" });
    for (const command of ["ls; rm -rf ~", "ls && curl x", "ls | sh", "ls $(whoami)", "ls `id`", "ls > /etc/passwd", "git status --porcelain"]) {
      expect(await record(request(sessionKey, command)), command).toMatchObject({ gate: "hotl", gate_by: "not_allowlisted", decision: null });
    }
  });

  it("asks an approver for high-risk work and hitl agents, and opens a veto window for hotl, both ending before the deadline", async () => {
    const high = await runningTask({ type: "deploy", autonomy: "autonomous" });
    const until = new Date(Date.now() + 120_000).toISOString();
    const held = await record(request(high.sessionKey, "kubectl apply -f prod.yaml"), until);
    expect(held).toMatchObject({ gate: "hitl", gate_by: "high_risk", decision: null });
    expect(held.approval).toMatchObject({ status: "pending", mode: "hitl", veto_until: null });
    expect(Date.parse(held.approval!.expires_at)).toBeLessThanOrEqual(Date.parse(until));
    const approval = (
      await query<{ action: string; target: string; requested_by_agent_id: string; args: Record<string, unknown> }>(
        db(),
        "select action, target, requested_by_agent_id, args from approvals where id = $1",
        [held.approval_id],
      )
    )[0]!;
    expect(approval).toMatchObject({ target: "kubectl apply -f prod.yaml", requested_by_agent_id: high.agent.id });
    expect(approval.action).toMatch(/^exec:[0-9a-f]{32}$/);
    expect(approval.args).toEqual({ command: "kubectl apply -f prod.yaml", cwd: "/srv/work", host: "gateway", agent: "main", session: high.sessionKey });

    const supervised = await runningTask({ type: "code_change", autonomy: "autonomous" });
    const windowed = await record(request(supervised.sessionKey, "npm test"), until);
    expect(windowed).toMatchObject({ gate: "hotl", gate_by: "hotl" });
    expect(Date.parse(windowed.approval!.veto_until!)).toBeLessThanOrEqual(Date.parse(until));
  });

  it("denies commands of a finished task and while a stop control holds", async () => {
    const done = await runningTask();
    await query(db(), "update tasks set status = 'cancelled' where id = $1", [done.task.id]);
    expect(await record(request(done.sessionKey, "ls"))).toMatchObject({ gate: "deny", gate_by: "task_closed" });
    const paused = await runningTask({ autonomy: "autonomous" });
    await query(db(), "update agents set paused_at = now() where id = $1", [paused.agent.id]);
    expect(await record(request(paused.sessionKey, "ls"))).toMatchObject({
      gate: "deny",
      gate_by: "agent_paused",
      decision_reason: "Denied: the agent is paused",
    });
  });

  it("turns decided approvals into decisions, once, and closes requests the gateway gave up on", async () => {
    const { sessionKey } = await runningTask({ type: "deploy" });
    const held = await record(request(sessionKey, "deploy.sh"));
    expect((await settleExecRequests(db(), 100)).map((r) => r.id)).not.toContain(held.id);
    const digest = (await query<{ digest: string }>(db(), "select digest from approvals where id = $1", [held.approval_id]))[0]!.digest;
    await db().rpc("decide_approval", { p_approval_id: held.approval_id, p_decision: "approved", p_user_id: approver.id, p_digest: digest, p_comment: "" });
    const due = (await settleExecRequests(db(), 100)).find((r) => r.id === held.id);
    expect(due).toMatchObject({ decision: "allow-once", decision_reason: "Approved by Alma Approver" });
    // Deciding it again is refused; the decision stands.
    const again = await appError(
      db().rpc("decide_approval", { p_approval_id: held.approval_id, p_decision: "denied", p_user_id: approver.id, p_digest: digest, p_comment: "" }),
    );
    expect(again.code).toBe("conflict");
    await markExecResolved(db(), held.id, null);
    expect((await settleExecRequests(db(), 100)).map((r) => r.id)).not.toContain(held.id);

    const late = await record(
      request(sessionKey, "deploy.sh --again", { gateway_expires_at: new Date(Date.now() + 1000).toISOString() }),
      new Date(Date.now() + 500).toISOString(),
    );
    await query(db(), "update exec_requests set gateway_expires_at = now() - interval '1 second' where id = $1", [late.id]);
    await settleExecRequests(db(), 100);
    expect((await query<{ resolve_error: string }>(db(), "select resolve_error from exec_requests where id = $1", [late.id]))[0]!.resolve_error).toBe(
      "the gateway's approval timed out first",
    );
  });

  it("keeps a decision due while the gateway is unreachable, and records the gateway's refusal", async () => {
    const told: string[] = [];
    let failure: Error | null = new GatewayUnavailableError("gateway_disconnected", "gateway not connected");
    const gateway = {
      resolveExecApproval: async (id: string) => {
        if (failure) throw failure;
        told.push(id);
      },
      sendMessage: async () => ({ runId: "r" }),
    } as unknown as Gateway;
    const stray = await record(request(null, "ls"));
    await resolveExecDecisions({ db: db(), log, gateways: singleGatewayLookup(gateway) });
    expect(
      (
        await query<{ resolved_at: string | null; resolve_error: string | null }>(db(), "select resolved_at, resolve_error from exec_requests where id = $1", [
          stray.id,
        ])
      )[0],
    ).toEqual({
      resolved_at: null,
      resolve_error: null,
    });
    failure = new GatewayUnavailableError("gateway_error:INVALID_REQUEST", "unknown or expired approval id");
    await resolveExecDecisions({ db: db(), log, gateways: singleGatewayLookup(gateway) });
    expect((await query<{ resolve_error: string | null }>(db(), "select resolve_error from exec_requests where id = $1", [stray.id]))[0]!.resolve_error).toBe(
      "unknown or expired approval id",
    );
    failure = null;
    const next = await record(request(null, "pwd"));
    await resolveExecDecisions({ db: db(), log, gateways: singleGatewayLookup(gateway) });
    expect(told).toContain(next.gateway_request_id);
  });

  it("refuses an allowlist that would allow everything, or is too long", async () => {
    for (const list of [["*"], [" * "], Array.from({ length: 51 }, (_, i) => `cmd${i}`), ["x".repeat(201)]]) {
      const error = await appError(updateTaskType(db(), types.research!, { exec_allowlist: list }, SYSTEM));
      expect(error.code).toBe("invalid");
    }
  });
});
