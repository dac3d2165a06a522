import { beforeAll, describe, expect, it } from "vitest";
import { priceUsage } from "#app/domain/costs";
import { COST_CASES, TEST_PRICES } from "#tests/support/cost-cases";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { seedAgent, seedRunningTask, seedWorkspace, sql, taskRow } from "#tests/support/agent-plane";
import { SYSTEM, unique } from "#tests/support/fixtures";

// The ledger: priced in SQL exactly as app/domain/costs.ts prices, idempotent
// per source, and versioned prices that are never rewritten.
describe.each(TRANSPORTS)("costs and the ledger on %s", (kind) => {
  const db = useTestDatabase(kind);

  beforeAll(async () => {
    for (const p of TEST_PRICES) {
      await sql(
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
    await expect(sql(db(), "update model_prices set input_usd_per_mtok = 1 where model = 'test-mini'")).rejects.toThrow(/new version/);
    await expect(sql(db(), "delete from model_prices where model = 'test-mini'")).rejects.toThrow(/new version/);
    const added = await db().rpc<{ version: number }>("add_model_price", {
      p_fields: { model: "Test-Mini", input_usd_per_mtok: 0.2, output_usd_per_mtok: 0.8, effective_from: "2025-09-01T00:00:00Z" },
      p_actor: SYSTEM,
    });
    expect(added.version).toBe(2);
    await expect(
      db().rpc("add_model_price", { p_fields: { model: "test-mini", effective_from: "2025-08-01T00:00:00Z" }, p_actor: SYSTEM }),
    ).rejects.toMatchObject({ code: "invalid" });
    const [audit] = await sql<{ n: number }>(db(), "select count(*)::int as n from audit_log where kind = 'model_price.added' and subject->>'model' = 'test-mini'");
    expect(audit!.n).toBe(1);
  });

  it("prices records before and after a price change by their own version", async () => {
    const model = unique("ledger-model");
    const ws = await seedWorkspace(db());
    const agent = await seedAgent(db(), ws.id, "Pricer");
    await db().rpc("add_model_price", {
      p_fields: { model, input_usd_per_mtok: 3, output_usd_per_mtok: 15, cache_read_usd_per_mtok: 0.3, cache_write_usd_per_mtok: 3.75, effective_from: "2025-01-01T00:00:00Z" },
      p_actor: SYSTEM,
    });
    const usage = { model: `anthropic/${model}`, input_tokens: 1000, output_tokens: 500, cache_read_tokens: 2000, cache_write_tokens: 100 };
    const first = await seedRunningTask(db(), ws.id, agent.id);
    const before = await db().rpc<{ cost_usd: number; provenance: string; price_version: number }>("record_usage", {
      p_task_id: first.id, p_source: "gateway", p_dedupe_key: first.runId, p_run_id: first.runId, p_usage: usage,
    });
    await db().rpc("add_model_price", {
      p_fields: { model, input_usd_per_mtok: 2.5, output_usd_per_mtok: 12.5, cache_read_usd_per_mtok: 0.25, cache_write_usd_per_mtok: 3.125 },
      p_actor: SYSTEM,
    });
    const second = await seedRunningTask(db(), ws.id, agent.id);
    const after = await db().rpc<{ cost_usd: number; provenance: string; price_version: number }>("record_usage", {
      p_task_id: second.id, p_source: "gateway", p_dedupe_key: second.runId, p_run_id: second.runId, p_usage: usage,
    });
    expect(before).toMatchObject({ cost_usd: 0.011475, provenance: "estimated", price_version: 1 });
    expect(after).toMatchObject({ cost_usd: 0.009563, provenance: "estimated", price_version: 2 });
    const rows = await sql<{ price_version: number; cost_usd: string }>(
      db(), "select price_version, cost_usd::text from usage_records where task_id = any($1::uuid[]) order by created_at", [[first.id, second.id]],
    );
    expect(rows).toEqual([{ price_version: 1, cost_usd: "0.011475" }, { price_version: 2, cost_usd: "0.009563" }]);
    expect(Number((await taskRow(db(), second.id)).estimated_cost)).toBeCloseTo(0.009563, 6);
    expect((await taskRow(db(), second.id)).cost_provenance).toBe("estimated");
  });

  it("counts included models' tokens without inventing dollars", async () => {
    const ws = await seedWorkspace(db());
    const agent = await seedAgent(db(), ws.id, "Subscriber");
    const task = await seedRunningTask(db(), ws.id, agent.id);
    const r = await db().rpc<{ cost_usd: number | null; provenance: string }>("record_usage", {
      p_task_id: task.id, p_source: "gateway", p_dedupe_key: task.runId, p_run_id: task.runId,
      p_usage: { model: "test-sub", input_tokens: 700, output_tokens: 300, cost_usd: 2 },
    });
    expect(r).toMatchObject({ cost_usd: null, provenance: "included" });
    const row = await taskRow(db(), task.id);
    expect(Number(row.token_usage)).toBe(1000);
    expect(Number(row.estimated_cost)).toBe(0);
    expect(row.cost_provenance).toBe("included");
  });

  it("records each source once under duplicate deliveries (webhook, agent API, gateway)", async () => {
    const ws = await seedWorkspace(db());
    const agent = await seedAgent(db(), ws.id, "Repeater");
    const task = await seedRunningTask(db(), ws.id, agent.id);
    const usage = { model: "test-sonnet", input_tokens: 1000, output_tokens: 1000 }; // version 2: $0.015
    const deliveries = () => [
      db().rpc("apply_completion_webhook", { p_delivery_id: `d-${task.id}`, p_task_id: task.id, p_summary: "done", p_usage: usage }),
      db().rpc("agent_record_usage", { p_agent_id: agent.id, p_task_id: task.id, p_dedupe_key: null, p_usage: usage }),
      db().rpc("record_usage", { p_task_id: task.id, p_source: "gateway", p_dedupe_key: task.runId, p_run_id: task.runId, p_usage: usage }),
    ];
    // PGlite has one connection, so there the repeats are sequential; on PostgreSQL they race.
    for (const p of deliveries()) await p;
    if (kind === "postgres") await Promise.all([...deliveries(), ...deliveries()]);
    else for (const p of [...deliveries(), ...deliveries()]) await p;
    const rows = await sql<{ source: string; n: number }>(
      db(), "select source, count(*)::int as n from usage_records where task_id = $1 group by source order by source", [task.id],
    );
    expect(rows).toEqual([{ source: "agent_api", n: 1 }, { source: "gateway", n: 1 }, { source: "webhook", n: 1 }]);
    const row = await taskRow(db(), task.id);
    expect(Number(row.token_usage)).toBe(6000);
    expect(Number(row.estimated_cost)).toBeCloseTo(3 * 0.015, 6);
    const [events] = await sql<{ n: number }>(db(), "select count(*)::int as n from events where type = 'usage.recorded' and task_id = $1", [task.id]);
    expect(events!.n).toBe(3);
  });
});
