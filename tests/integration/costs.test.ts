import { beforeAll, describe, expect, it } from "vitest";
import { priceUsage } from "#app/domain/costs";
import { COST_CASES, TEST_PRICES } from "#tests/support/cost-cases";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace, moveRunningTask, query, SYSTEM, taskRow, unique } from "#tests/support/fixtures";

// The ledger: priced in SQL exactly as app/domain/costs.ts prices, one figure
// per run (the gateway's measurement over a self-report), and versioned
// prices that are never rewritten.
describe.each(TRANSPORTS)("costs and the ledger on %s", (kind) => {
  const db = useTestDatabase(kind);

  beforeAll(async () => {
    for (const p of TEST_PRICES) {
      await query(
        db(),
        `insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok, included, effective_from)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [p.model, p.version, p.input_usd_per_mtok, p.output_usd_per_mtok, p.cache_read_usd_per_mtok, p.cache_write_usd_per_mtok, p.included, p.effective_from],
      );
    }
  });

  it("prices every case exactly as the domain does", async () => {
    for (const c of COST_CASES) {
      const got = await db().rpc<{ cost_usd: number | null; provenance: string; price_version: number | null }>("estimate_usage_cost", {
        p_usage: c.usage,
        p_at: c.at,
      });
      const domain = priceUsage(c.usage, TEST_PRICES, new Date(c.at));
      expect(domain, c.name).toEqual(c.expected);
      expect({ ...got, price_id: undefined }, c.name).toEqual({
        cost_usd: domain.cost_usd === null ? null : Number(domain.cost_usd),
        provenance: domain.provenance,
        price_version: domain.price_version,
        price_id: undefined,
      });
    }
  });

  it("never updates a price row in place; a change is a new version", async () => {
    await expect(query(db(), "update model_prices set input_usd_per_mtok = 1 where model = 'test-mini'")).rejects.toThrow(/new version/);
    await expect(query(db(), "delete from model_prices where model = 'test-mini'")).rejects.toThrow(/new version/);
    const added = await db().rpc<{ version: number }>("add_model_price", {
      p_fields: { model: "Test-Mini", input_usd_per_mtok: 0.2, output_usd_per_mtok: 0.8, effective_from: "2025-09-01T00:00:00Z" },
      p_actor: SYSTEM,
    });
    expect(added.version).toBe(2);
    await expect(
      db().rpc("add_model_price", { p_fields: { model: "test-mini", effective_from: "2025-08-01T00:00:00Z" }, p_actor: SYSTEM }),
    ).rejects.toMatchObject({ code: "invalid" });
    const [audit] = await query<{ n: number }>(
      db(),
      "select count(*)::int as n from audit_log where kind = 'model_price.added' and subject->>'model' = 'test-mini'",
    );
    expect(audit!.n).toBe(1);
  });

  it("prices records before and after a price change by their own version", async () => {
    const model = unique("ledger-model");
    const ws = await createWorkspace(db());
    const agent = await createAgentWithToken(db(), ws.id, { name: "Pricer" });
    await db().rpc("add_model_price", {
      p_fields: {
        model,
        input_usd_per_mtok: 3,
        output_usd_per_mtok: 15,
        cache_read_usd_per_mtok: 0.3,
        cache_write_usd_per_mtok: 3.75,
        effective_from: "2025-01-01T00:00:00Z",
      },
      p_actor: SYSTEM,
    });
    const usage = { model: `anthropic/${model}`, input_tokens: 1000, output_tokens: 500, cache_read_tokens: 2000, cache_write_tokens: 100 };
    const first = await createRunningTask(db(), ws.id, agent.id);
    const before = await db().rpc<{ cost_usd: number; provenance: string; price_version: number }>("record_usage", {
      p_task_id: first.id,
      p_source: "gateway",
      p_dedupe_key: first.runId,
      p_run_id: first.runId,
      p_usage: usage,
    });
    await db().rpc("add_model_price", {
      p_fields: { model, input_usd_per_mtok: 2.5, output_usd_per_mtok: 12.5, cache_read_usd_per_mtok: 0.25, cache_write_usd_per_mtok: 3.125 },
      p_actor: SYSTEM,
    });
    const second = await createRunningTask(db(), ws.id, agent.id);
    const after = await db().rpc<{ cost_usd: number; provenance: string; price_version: number }>("record_usage", {
      p_task_id: second.id,
      p_source: "gateway",
      p_dedupe_key: second.runId,
      p_run_id: second.runId,
      p_usage: usage,
    });
    expect(before).toMatchObject({ cost_usd: 0.011475, provenance: "estimated", price_version: 1 });
    expect(after).toMatchObject({ cost_usd: 0.009563, provenance: "estimated", price_version: 2 });
    const rows = await query<{ price_version: number; cost_usd: string }>(
      db(),
      "select price_version, cost_usd::text from usage_records where task_id = any($1::uuid[]) order by created_at",
      [[first.id, second.id]],
    );
    expect(rows).toEqual([
      { price_version: 1, cost_usd: "0.011475" },
      { price_version: 2, cost_usd: "0.009563" },
    ]);
    expect(Number((await taskRow(db(), second.id)).estimated_cost)).toBeCloseTo(0.009563, 6);
    expect((await taskRow(db(), second.id)).cost_provenance).toBe("estimated");
  });

  it("counts included models' tokens without inventing dollars", async () => {
    const ws = await createWorkspace(db());
    const agent = await createAgentWithToken(db(), ws.id, { name: "Subscriber" });
    const task = await createRunningTask(db(), ws.id, agent.id);
    const r = await db().rpc<{ cost_usd: number | null; provenance: string }>("record_usage", {
      p_task_id: task.id,
      p_source: "gateway",
      p_dedupe_key: task.runId,
      p_run_id: task.runId,
      p_usage: { model: "test-sub", input_tokens: 700, output_tokens: 300, cost_usd: 2 },
    });
    expect(r).toMatchObject({ cost_usd: null, provenance: "included" });
    const row = await taskRow(db(), task.id);
    expect(Number(row.token_usage)).toBe(1000);
    expect(Number(row.estimated_cost)).toBe(0);
    expect(row.cost_provenance).toBe("included");
  });

  describe("one figure per run", () => {
    // test-sonnet v2: 100 input + 50 output tokens = $0.000875.
    const usage = { model: "test-sonnet", input_tokens: 100, output_tokens: 50 };
    const GATEWAY_COST = 0.000875;
    type Task = { id: string; runId: string };
    const gateway = (task: Task, report: Record<string, unknown> = usage) =>
      db().rpc<Record<string, unknown>>("record_usage", {
        p_task_id: task.id,
        p_source: "gateway",
        p_dedupe_key: task.runId,
        p_run_id: task.runId,
        p_usage: report,
      });
    const selfReport = (agentId: string, task: Task, report: Record<string, unknown>, key: string | null = null) =>
      db().rpc<Record<string, unknown>>("agent_record_usage", { p_agent_id: agentId, p_task_id: task.id, p_dedupe_key: key, p_usage: report });
    const figures = (taskId: string) =>
      query<{ id: string; source: string; tokens: number; cost: string | null }>(
        db(),
        "select id, source, (input_tokens + output_tokens + cache_read_tokens + cache_write_tokens)::int as tokens, cost_usd::text as cost from usage_records where task_id = $1",
        [taskId],
      );
    const claims = (taskId: string) =>
      query<{ source: string; reason: string; tokens: number; cost: string | null }>(
        db(),
        "select source, reason, (input_tokens + output_tokens + cache_read_tokens + cache_write_tokens)::int as tokens, cost_usd::text as cost from usage_claims where task_id = $1 order by created_at, id",
        [taskId],
      );
    const totals = async (taskId: string) => {
      const row = await taskRow(db(), taskId);
      return { tokens: Number(row.token_usage), cost: Number(row.estimated_cost), provenance: row.cost_provenance };
    };
    const running = async (name: string) => {
      const ws = await createWorkspace(db());
      const agent = await createAgentWithToken(db(), ws.id, { name: name });
      return { ws, agent, task: await createRunningTask(db(), ws.id, agent.id) };
    };

    it("keeps the gateway's figure when the agent reports the same run afterwards (150 tokens, not 300)", async () => {
      const { ws, agent, task } = await running("Late reporter");
      expect(await gateway(task)).toMatchObject({ recorded: true, counted: true, cost_usd: GATEWAY_COST });
      const late = await selfReport(agent.id, task, { ...usage, cost_usd: 0.5 });
      expect(late).toMatchObject({ recorded: true, counted: false, counted_source: "gateway", tokens: 150, cost_usd: 0.5 });
      expect(await figures(task.id)).toEqual([expect.objectContaining({ source: "gateway", tokens: 150, cost: "0.000875" })]);
      expect(await claims(task.id)).toEqual([{ source: "agent_api", reason: "run_counted", tokens: 150, cost: "0.500000" }]);
      expect(await totals(task.id)).toEqual({ tokens: 150, cost: GATEWAY_COST, provenance: "estimated" });
      // Budgets and analytics read the one figure too.
      expect(Number(await db().rpc("budget_spent", { p_scope: "task", p_subject_id: task.id, p_since: null }))).toBeCloseTo(GATEWAY_COST, 6);
      const summary = await db().rpc<{ period: { records: number; tokens: number; cost_usd: number } }>("workspace_cost_summary", {
        p_workspace_id: ws.id,
        p_days: 30,
      });
      expect(summary.period).toMatchObject({ records: 1, tokens: 150 });
      expect(Number(summary.period.cost_usd)).toBeCloseTo(GATEWAY_COST, 6);
      // The disagreement is on the task for an operator to see.
      const [note] = await query<{ message: string; actor_name: string }>(
        db(),
        "select message, actor_name from task_activities where task_id = $1 and type = 'usage_claim'",
        [task.id],
      );
      expect(note).toEqual({
        actor_name: "ledger",
        message: `Usage for run ${task.runId}: the agent API reported 150 tokens ($0.50); the gateway's figure, 150 tokens (<$0.01), is the one that counts.`,
      });
    });

    it("lets the gateway's measurement replace an agent's cost_usd: 0 report, for the task, its budget and its reservation", async () => {
      const ws = await createWorkspace(db());
      const agent = await createAgentWithToken(db(), ws.id, { name: "Zero reporter" });
      const seeded = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
      await db().rpc("set_budget", { p_scope: "task", p_subject_id: seeded.id, p_daily: null, p_total: 10, p_reserve: 1, p_may_raise: true, p_actor: SYSTEM });
      expect(await db().rpc<unknown[]>("claim_tasks_for_dispatch", { p_limit: 1, p_claim_seconds: 60, p_task_id: seeded.id })).toHaveLength(1);
      const task = { id: seeded.id, runId: `run-${unique("zero")}` };
      await db().rpc("mark_task_dispatched", {
        p_task_id: task.id,
        p_run_id: task.runId,
        p_session_key: `agent:main:mc-task-${task.id}`,
        p_lease_seconds: 600,
      });

      const claimed = await selfReport(agent.id, task, { ...usage, cost_usd: 0 });
      expect(claimed).toMatchObject({ recorded: true, counted: true, cost_usd: 0, provenance: "reported" });
      expect(await totals(task.id)).toEqual({ tokens: 150, cost: 0, provenance: "reported" });
      const measured = await gateway(task);
      expect(measured).toMatchObject({ recorded: true, counted: true, replaced: "agent_api", cost_usd: GATEWAY_COST, id: claimed.id });

      expect(await figures(task.id)).toEqual([{ id: claimed.id, source: "gateway", tokens: 150, cost: "0.000875" }]);
      expect(await claims(task.id)).toEqual([{ source: "agent_api", reason: "superseded", tokens: 150, cost: "0.000000" }]);
      expect(await totals(task.id)).toEqual({ tokens: 150, cost: GATEWAY_COST, provenance: "estimated" });
      const [reservation] = await query<{ status: string; usage_id: string }>(db(), "select status, usage_id from budget_reservations where task_id = $1", [
        task.id,
      ]);
      expect(reservation).toEqual({ status: "settled", usage_id: claimed.id });
      const budget = await db().rpc<{ spent_total_usd: number; reserved_usd: number }>("budget_status", { p_scope: "task", p_subject_id: task.id });
      expect(Number(budget.spent_total_usd)).toBeCloseTo(GATEWAY_COST, 6);
      expect(Number(budget.reserved_usd)).toBe(0);
      const events = await query<{ payload: { replaced: string | null } }>(
        db(),
        "select payload from events where type = 'usage.recorded' and task_id = $1 order by seq",
        [task.id],
      );
      expect(events.map((e) => e.payload.replaced)).toEqual([null, "agent_api"]);

      // Repeats of either change nothing.
      expect(await selfReport(agent.id, task, { ...usage, cost_usd: 0 })).toEqual({ recorded: false, duplicate: true });
      expect(await gateway(task)).toEqual({ recorded: false, duplicate: true });
      expect(await figures(task.id)).toHaveLength(1);
      expect(await claims(task.id)).toHaveLength(1);
      expect(await totals(task.id)).toEqual({ tokens: 150, cost: GATEWAY_COST, provenance: "estimated" });
    });

    it("holds a run to one figure in the schema, whoever writes", async () => {
      const { agent, task } = await running("Schema");
      await gateway(task);
      await expect(
        query(
          db(),
          "insert into usage_records (task_id, agent_id, run_id, source, dedupe_key, input_tokens, provenance) values ($1, $2, $3, 'agent_api', 'other', 1, 'unpriced')",
          [task.id, agent.id, task.runId],
        ),
      ).rejects.toThrow(/usage_records_one_per_run/);
    });

    it("takes each report once under repeats and races: one figure, the others kept as claims", async () => {
      const { agent, task } = await running("Repeater");
      const report = { model: "test-sonnet", input_tokens: 1000, output_tokens: 1000 }; // version 2: $0.015
      const deliveries = () => [
        () =>
          db().rpc("apply_completion_webhook", {
            p_delivery_id: `d-${task.id}`,
            p_content_sha256: "a".repeat(64),
            p_task_id: task.id,
            p_summary: "done",
            p_usage: report,
          }),
        () => selfReport(agent.id, task, report),
        () => gateway(task, report),
      ];
      // In order first (the webhook's figure, the agent's claim, the gateway's
      // measurement over the webhook's); then repeats, which race on PostgreSQL
      // (PGlite has one connection, so there they are sequential).
      for (const send of deliveries()) await send();
      if (kind === "postgres") await Promise.all([...deliveries(), ...deliveries()].map((send) => send()));
      else for (const send of [...deliveries(), ...deliveries()]) await send();
      expect((await figures(task.id)).map((f) => f.source)).toEqual(["gateway"]);
      expect((await claims(task.id)).map((c) => `${c.source}:${c.reason}`)).toEqual(["agent_api:run_counted", "webhook:superseded"]);
      expect(await totals(task.id)).toEqual({ tokens: 2000, cost: 0.015, provenance: "estimated" });
      const [events] = await query<{ n: number }>(db(), "select count(*)::int as n from events where type = 'usage.recorded' and task_id = $1", [task.id]);
      expect(events!.n).toBe(2);
    });

    it("refuses an agent's report for a done or cancelled task, and still records the gateway's", async () => {
      for (const status of ["done", "cancelled"] as const) {
        const { agent, task } = await running(`Closed ${status}`);
        await moveRunningTask(db(), task.id, status);
        await expect(selfReport(agent.id, task, usage)).rejects.toMatchObject({
          code: "conflict",
          message: `The task is ${status}: it takes no more usage reports from its agent.`,
        });
        await expect(
          db().rpc("apply_completion_webhook", {
            p_delivery_id: null,
            p_content_sha256: "b".repeat(64),
            p_task_id: task.id,
            p_summary: "late",
            p_usage: usage,
          }),
        ).rejects.toMatchObject({ code: "conflict" });
        expect(await query(db(), "select 1 from webhook_deliveries where task_id = $1", [task.id])).toEqual([]);
        expect(await gateway(task)).toMatchObject({ recorded: true, counted: true });
        expect(await totals(task.id)).toEqual({ tokens: 150, cost: GATEWAY_COST, provenance: "estimated" });
      }
    });
  });
});
