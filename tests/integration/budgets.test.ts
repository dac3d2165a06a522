import { beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { type DispatchDeps, dispatchOne, dispatchReady } from "#app/services/orchestration/dispatcher.server";
import type { Gateway } from "#app/services/agent-plane/gateway.server";
import { singleGatewayLookup } from "#app/services/agent-plane/gateway-registry.server";
import { createLogger } from "#app/services/observability/logger.server";
import { TRANSPORTS, createTestPostgres, useTestDatabase } from "#tests/support/databases";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace, query, taskRow } from "#tests/support/fixtures";

// Budgets are checked before a dispatch: the expected cost is reserved under
// row locks, a task that does not fit is refused and the gateway never called.

const OPERATOR = { type: "user", id: null, name: "Operator" };

function setBudget(
  db: SqlDatabase,
  scope: string,
  subject: string,
  limits: { daily?: number | null; total?: number | null; reserve?: number | null },
  mayRaise = true,
) {
  return db.rpc<Record<string, unknown>>("set_budget", {
    p_scope: scope,
    p_subject_id: subject,
    p_daily: limits.daily ?? null,
    p_total: limits.total ?? null,
    p_reserve: limits.reserve ?? null,
    p_may_raise: mayRaise,
    p_actor: OPERATOR,
  });
}

const claim = (db: SqlDatabase, taskId?: string, limit = 10) =>
  db.rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: limit, p_claim_seconds: 60, p_task_id: taskId ?? null });

function fakeGateway() {
  const started: string[] = [];
  const gateway = {
    status: "connected",
    async startRun(input: { sessionKey: string }) {
      started.push(input.sessionKey);
      return { runId: `run-${started.length}`, sessionKey: input.sessionKey };
    },
  } as unknown as Gateway;
  return { gateway, started };
}

/** Everything a dispatch reads, and nothing else. */
function dispatchDeps(db: SqlDatabase, gateway: Gateway): DispatchDeps {
  return {
    db,
    log: createLogger("silent"),
    gateways: singleGatewayLookup(gateway),
    settings: { LEASE_MINUTES: 60, DISPATCH_MAX_ATTEMPTS: 5, publicUrl: "http://mc.test" },
  };
}

describe.each(TRANSPORTS)("budgets on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: { id: string };
  let agent: { id: string };

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgentWithToken(db(), ws.id, { name: "Spender" });
  });

  it("refuses a dispatch that does not fit before the gateway is called", async () => {
    const own = await createWorkspace(db());
    const a = await createAgentWithToken(db(), own.id, { name: "Thrifty" });
    await setBudget(db(), "workspace", own.id, { total: 1, reserve: 0.6 });
    const first = await createTask(db(), own.id, { status: "assigned", assigned_agent_id: a.id, priority: "high" });
    const second = await createTask(db(), own.id, { status: "assigned", assigned_agent_id: a.id });
    const { gateway, started } = fakeGateway();
    const actions = await dispatchReady(dispatchDeps(db(), gateway), 5);
    expect(actions.map((x) => [x.task_id, x.action])).toEqual([[first.id, "dispatched"]]);
    expect(started).toEqual([`agent:main:mc-task-${first.id}`]);
    const refused = await taskRow(db(), second.id);
    expect(refused).toMatchObject({ status: "assigned", alert_reason: "budget_exceeded", claimed_until: null, next_dispatch_at: null });
    expect(refused.last_dispatch_error).toMatch(/Workspace ".*" total budget: \$0\.00 spent and \$0\.60 reserved of \$1\.00; this run needs \$0\.60/);
    const [activity] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'budget_exceeded'", [
      second.id,
    ]);
    expect(activity!.message).toMatch(/^Not dispatched: Workspace/);
    // Parked: the heartbeat does not try again, and "Dispatch now" explains why without calling the gateway.
    expect(await dispatchReady(dispatchDeps(db(), gateway), 5)).toEqual([]);
    const err = await dispatchOne(dispatchDeps(db(), gateway), second.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "conflict", details: { reason: "budget_exceeded" } });
    expect((err as AppError).message).toMatch(/total budget/);
    expect(started).toHaveLength(1);
    // The way forward: raise the budget, retry.
    await setBudget(db(), "workspace", own.id, { total: 5, reserve: 0.6 });
    await db().rpc("retry_dispatch", { p_task_id: second.id, p_agent_id: null, p_actor: OPERATOR });
    await dispatchOne(dispatchDeps(db(), gateway), second.id);
    expect(started).toHaveLength(2);
  });

  it("settles a reservation on usage and releases it when a run ends without one", async () => {
    const own = await createWorkspace(db());
    const a = await createAgentWithToken(db(), own.id, { name: "Settler" });
    await setBudget(db(), "agent", a.id, { daily: 10, reserve: 2 });
    const t1 = await createTask(db(), own.id, { status: "assigned", assigned_agent_id: a.id });
    expect(await claim(db(), t1.id)).toHaveLength(1);
    const [open] = await query<{ amount_usd: string; basis: string; status: string }>(
      db(),
      "select amount_usd::text, basis, status from budget_reservations where task_id = $1",
      [t1.id],
    );
    expect(open).toEqual({ amount_usd: "2.000000", basis: "budget_reserve", status: "open" });
    await db().rpc("mark_task_dispatched", { p_task_id: t1.id, p_run_id: "run-s1", p_session_key: `agent:main:mc-task-${t1.id}`, p_lease_seconds: 600 });
    await db().rpc("record_usage", {
      p_task_id: t1.id,
      p_source: "gateway",
      p_dedupe_key: "run-s1",
      p_run_id: "run-s1",
      p_usage: { model: "x", input_tokens: 1, cost_usd: 0.25 },
    });
    const status = (id: string) =>
      query<{ status: string; close_reason: string }>(db(), "select status, close_reason from budget_reservations where task_id = $1 order by created_at", [
        id,
      ]);
    expect(await status(t1.id)).toEqual([{ status: "settled", close_reason: "usage_recorded" }]);
    // Next reservation uses the agent's average run.
    const t2 = await createTask(db(), own.id, { status: "assigned", assigned_agent_id: a.id });
    expect(await claim(db(), t2.id)).toHaveLength(1);
    const [avg] = await query<{ amount_usd: string; basis: string }>(db(), "select amount_usd::text, basis from budget_reservations where task_id = $1", [
      t2.id,
    ]);
    expect(avg).toEqual({ amount_usd: "0.250000", basis: "agent_average" });
    // A failed gateway call releases it; so does a failed run.
    await db().rpc("record_dispatch_failure", { p_task_id: t2.id, p_reason: "gateway_down", p_retry_seconds: 0, p_max_attempts: 5 });
    expect(await status(t2.id)).toEqual([{ status: "released", close_reason: "claim_ended" }]);
    expect(await claim(db(), t2.id)).toHaveLength(1);
    await db().rpc("mark_task_dispatched", { p_task_id: t2.id, p_run_id: "run-s2", p_session_key: `agent:main:mc-task-${t2.id}`, p_lease_seconds: 600 });
    await db().rpc("record_run_failure", { p_task_id: t2.id, p_run_id: "run-s2", p_reason: "boom" });
    expect((await status(t2.id)).map((r) => r.status)).toEqual(["released", "released"]);
    const budget = await db().rpc<{ reserved_usd: number; spent_today_usd: number }>("budget_status", { p_scope: "agent", p_subject_id: a.id });
    expect(budget).toMatchObject({ reserved_usd: 0, spent_today_usd: 0.25 });
  });

  it("emits budget.warning once when spend crosses 80%", async () => {
    const task = await createRunningTask(db(), ws.id, agent.id);
    await setBudget(db(), "task", task.id, { total: 1 });
    const spend = (key: string, cost: number) =>
      // One run each: a run has one figure.
      db().rpc("record_usage", {
        p_task_id: task.id,
        p_source: "agent_api",
        p_dedupe_key: key,
        p_run_id: `${task.runId}-${key}`,
        p_usage: { model: "x", cost_usd: cost },
      });
    const warnings = async () =>
      query<{ payload: { period: string; percent: number; scope: string } }>(
        db(),
        "select payload from events where type = 'budget.warning' and task_id = $1",
        [task.id],
      );
    await spend("w1", 0.5);
    expect(await warnings()).toEqual([]);
    await spend("w2", 0.35);
    await spend("w3", 0.05);
    await spend("w4", 0.5);
    const emitted = await warnings();
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.payload).toMatchObject({ scope: "task", period: "total", percent: 85 });
  });

  it("lets an operator set or lower a budget, audits every change and needs an approver to raise or remove one", async () => {
    const own = await createWorkspace(db());
    await setBudget(db(), "workspace", own.id, { daily: 5, total: 50 }, false);
    await setBudget(db(), "workspace", own.id, { daily: 4, total: 50 }, false);
    await expect(setBudget(db(), "workspace", own.id, { daily: 6, total: 50 }, false)).rejects.toMatchObject({ code: "forbidden" });
    await expect(setBudget(db(), "workspace", own.id, { daily: null, total: null }, false)).rejects.toMatchObject({ code: "forbidden" });
    const raised = await setBudget(db(), "workspace", own.id, { daily: 6, total: 50 }, true);
    expect(raised).toMatchObject({ raised: true, daily_limit_usd: 6, kind: "budget.raised" });
    await setBudget(db(), "workspace", own.id, { daily: null, total: null }, true);
    const audit = await query<{ kind: string; data: { from: { daily_limit_usd: number } | null; to: { daily_limit_usd: number } | null } }>(
      db(),
      "select kind, data from audit_log where subject->>'subject_id' = $1 order by seq",
      [own.id],
    );
    expect(audit.map((a) => a.kind)).toEqual(["budget.set", "budget.set", "budget.raised", "budget.removed"]);
    expect(audit[2]!.data).toMatchObject({ from: { daily_limit_usd: 4 }, to: { daily_limit_usd: 6 } });
    expect(await db().rpc("budget_status", { p_scope: "workspace", p_subject_id: own.id })).toMatchObject({ id: null, daily_limit_usd: null });
  });
});

// Many dispatchers at once, on real PostgreSQL connections: the budget row
// locks make the reservations add up, never overshoot.
describe("budget reservations under concurrent dispatch", () => {
  it("claims exactly as many tasks as the budget fits", async () => {
    const pg = await createTestPostgres({ max: 10 });
    try {
      const ws = await createWorkspace(pg.db);
      const a = await createAgentWithToken(pg.db, ws.id, { name: "Racer" });
      await setBudget(pg.db, "workspace", ws.id, { total: 3, reserve: 1 });
      const tasks = [];
      for (let i = 0; i < 10; i++) tasks.push(await createTask(pg.db, ws.id, { status: "assigned", assigned_agent_id: a.id }));
      const results = await Promise.all([
        ...tasks.slice(0, 6).map((t) => claim(pg.db, t.id)),
        claim(pg.db, undefined, 2),
        claim(pg.db, undefined, 2),
        claim(pg.db, undefined, 1),
      ]);
      const claimed = results.flat().map((t) => t.id);
      expect(claimed).toHaveLength(3);
      expect(new Set(claimed).size).toBe(3);
      const [open] = await query<{ n: number; total: string }>(
        pg.db,
        "select count(*)::int as n, sum(amount_usd)::text as total from budget_reservations where workspace_id = $1 and status = 'open'",
        [ws.id],
      );
      expect(open).toEqual({ n: 3, total: "3.000000" });
      const [refused] = await query<{ n: number }>(pg.db, "select count(*)::int as n from tasks where workspace_id = $1 and alert_reason = 'budget_exceeded'", [
        ws.id,
      ]);
      expect(refused!.n).toBeGreaterThanOrEqual(1);
    } finally {
      await pg.drop();
    }
  });
});
