import { describe, expect, it } from "vitest";
import { useTestDatabase } from "#tests/support/databases";
import { seedUsageHistory } from "#tests/support/usage-seed";

// The aggregates over a 100,000-row ledger: every record is counted once.
// Timings are measured by hand with EXPLAIN ANALYZE (docs/ANALYTICS.md), not asserted.
describe("cost aggregates at scale on postgres", () => {
  const db = useTestDatabase("postgres");

  it("sums a 100,000-row ledger across workspaces", { timeout: 60_000 }, async () => {
    const seed = await seedUsageHistory(db(), { rows: 100_000, days: 80 });
    let records = 0;
    for (const id of seed.workspaceIds) {
      const s = await db().rpc<{ period: { records: number } }>("workspace_cost_summary", { p_workspace_id: id, p_days: 90 });
      records += s.period.records;
    }
    expect(records).toBe(100_000);
    // The seed moves its tasks to done directly, so people, not agents, are credited with them (decision 033).
    const perf = await db().rpc<{ agents: Array<{ completed: number; closed_by_people: number }> }>("agent_performance", {
      p_workspace_id: seed.workspaceIds[0],
      p_days: 90,
    });
    expect(perf.agents.reduce((n, a) => n + a.completed + a.closed_by_people, 0)).toBe(300);
  });
});
