import { beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import { createAgent, createWorkspace, hash64, query, unique } from "#tests/support/fixtures";

// Cost summaries and agent performance on a seeded history with fixed
// timestamps, so every figure (percentiles included) has a known answer.
// The definitions are in docs/ANALYTICS.md.
const NOW = "2026-03-31T12:00:00Z";
const at = (iso: string) => `2026-${iso}Z`;

async function task(db: SqlDatabase, wsId: string, agentId: string, status: string, statusAt: string) {
  const [row] = await query<{ id: string }>(
    db,
    "insert into tasks (workspace_id, title, status, assigned_agent_id, status_changed_at) values ($1, $2, $3, $4, $5) returning id",
    [wsId, unique("task"), status, agentId, statusAt],
  );
  return row!.id;
}

async function activity(db: SqlDatabase, taskId: string, type: string, when: string, metadata: Record<string, string> = {}) {
  await query(db, "insert into task_activities (task_id, type, message, metadata, actor_type, created_at) values ($1, $2, $2, $3::text::jsonb, 'system', $4)", [
    taskId,
    type,
    JSON.stringify(metadata),
    when,
  ]);
}

const moved = (from: string, to: string) => ({ from, to });

async function usage(
  db: SqlDatabase,
  row: {
    ws: string;
    task?: string | null;
    agent?: string | null;
    model: string;
    input: number;
    output?: number;
    cacheRead?: number;
    cost: number | null;
    provenance?: string;
    at: string;
  },
) {
  await query(
    db,
    `insert into usage_records (workspace_id, task_id, agent_id, source, model, input_tokens, output_tokens, cache_read_tokens, cost_usd, provenance, created_at)
     values ($1, $2, $3, 'agent_api', $4, $5, $6, $7, $8, $9, $10)`,
    [row.ws, row.task ?? null, row.agent ?? null, row.model, row.input, row.output ?? 0, row.cacheRead ?? 0, row.cost, row.provenance ?? "reported", row.at],
  );
}

interface ApprovalSeed {
  task: string;
  agent: string | null;
  mode: "hitl" | "hotl" | "policy";
  status: "approved" | "denied" | "expired" | "pending";
  created: string;
  waitS?: number;
  byUser?: string | null;
}

async function approval(db: SqlDatabase, a: ApprovalSeed) {
  const decided = a.status === "pending" ? null : new Date(Date.parse(a.created) + (a.waitS ?? 0) * 1000).toISOString();
  await query(
    db,
    `insert into approvals (task_id, requested_by_agent_id, action, digest, status, mode, created_at, decided_at, decided_by, decided_by_policy, expires_at)
     values ($1, $2, 'deploy', $3, $4, $5, $6, $7, $8, $9, $6::timestamptz + interval '1 hour')`,
    [a.task, a.agent, hash64(), a.status, a.mode, a.created, decided, a.byUser ?? null, a.byUser ? null : a.mode === "hotl" ? "hotl_window" : "policy"],
  );
}

interface Figures {
  records: number;
  tokens: number;
  cost_usd: number;
  reported_usd: number;
  estimated_usd: number;
  reported_records: number;
  estimated_records: number;
  unknown_cost_records: number;
  [key: string]: unknown;
}

describe.each(TRANSPORTS)("cost and agent analytics on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let other: Workspace;
  let A: string;
  let B: string;
  let C: string;
  let doneA: string[];

  beforeAll(async () => {
    ws = await createWorkspace(db(), { name: "Analytics" });
    other = await createWorkspace(db(), { name: "Other" });
    A = (await createAgent(db(), ws.id, { name: "Alpha", autonomy_level: "hitl" })).id;
    B = (await createAgent(db(), ws.id, { name: "Bravo", autonomy_level: "hotl" })).id;
    C = (await createAgent(db(), ws.id, { name: "Charlie", autonomy_level: "autonomous" })).id;
    await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [C]);
    const [approver] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ($1, 'Appr', 'approver', 'h') returning id",
      [`${kind}-analytics@a.test`],
    );
    const user = approver!.id;

    // Alpha: six tasks done in the period; cycle times 1, 2, 3, 4, 5 and 9 hours.
    const hours = [1, 2, 3, 4, 5, 9];
    doneA = [];
    for (const [i, h] of hours.entries()) {
      const start = at(`03-${String(10 + i).padStart(2, "0")}T08:00:00`);
      const done = new Date(Date.parse(start) + h * 3600_000).toISOString();
      const id = await task(db(), ws.id, A, "done", done);
      doneA.push(id);
      await activity(db(), id, "dispatched", start);
      if (i === 1) {
        // Failed checks, then a second dispatch: rework; the cycle still starts at the first.
        await activity(db(), id, "completed", new Date(Date.parse(start) + 600_000).toISOString());
        await activity(db(), id, "checks_fail", new Date(Date.parse(start) + 900_000).toISOString());
        await activity(db(), id, "dispatched", new Date(Date.parse(start) + 1200_000).toISOString());
      }
      if (i === 2) {
        // Handed in by a move, sent back from review by a person: rework.
        await activity(db(), id, "status_changed", new Date(Date.parse(start) + 600_000).toISOString(), moved("in_progress", "review"));
        await activity(db(), id, "status_changed", new Date(Date.parse(start) + 900_000).toISOString(), moved("review", "assigned"));
      }
      await activity(db(), id, "completed", new Date(Date.parse(done) - 1800_000).toISOString());
      await activity(db(), id, "status_changed", done, moved("review", "done"));
    }
    // Handed in, still in testing: counts for the rework rate, not for completed.
    const testing = await task(db(), ws.id, A, "testing", at("03-30T10:00:00"));
    await activity(db(), testing, "dispatched", at("03-30T09:00:00"));
    await activity(db(), testing, "completed", at("03-30T10:00:00"));
    // Done before the period: ignored.
    const old = await task(db(), ws.id, A, "done", at("01-20T10:00:00"));
    await activity(db(), old, "dispatched", at("01-20T08:00:00"));
    await activity(db(), old, "checks_fail", at("01-20T09:00:00"));
    await activity(db(), old, "status_changed", at("01-20T10:00:00"), moved("review", "done"));

    const b1 = await task(db(), ws.id, B, "in_progress", at("03-29T10:00:00"));
    const c1 = await task(db(), ws.id, C, "in_progress", at("03-29T10:00:00"));

    // Usage: today, this week, this month, before the month, after "now" (ignored), another workspace.
    await usage(db(), { ws: ws.id, task: doneA[0], agent: A, model: "m-large", input: 1000, output: 500, cost: 0.5, at: at("03-31T10:00:00") });
    await usage(db(), { ws: ws.id, task: b1, agent: B, model: "m-large", input: 4000, output: 1000, cacheRead: 500, cost: 1, at: at("03-31T01:00:00") });
    await usage(db(), { ws: ws.id, task: doneA[1], agent: A, model: "m-small", input: 2000, cost: 0.25, provenance: "estimated", at: at("03-28T09:00:00") });
    await usage(db(), { ws: ws.id, task: doneA[2], agent: A, model: "m-small", input: 100, output: 100, cost: null, at: at("03-10T09:00:00") });
    await usage(db(), { ws: ws.id, task: b1, agent: B, model: "m-large", input: 100, cost: 2, at: at("01-15T09:00:00") });
    await usage(db(), { ws: ws.id, task: b1, agent: B, model: "m-large", input: 100, cost: 5, at: at("03-31T13:00:00") });
    await usage(db(), { ws: other.id, model: "m-tiny", input: 10, cost: 0.1, at: at("03-31T02:00:00") });

    // Alpha's gated actions in the period: 6 hitl approved by a person (waits
    // 60..900 s), 4 hotl that went ahead unvetoed, 2 allowed by policy
    // (system requests: they count for the assignee). An older denial is
    // outside the last ten.
    const waits = [60, 120, 180, 240, 300, 900];
    for (const [i, w] of waits.entries()) {
      await approval(db(), { task: doneA[i]!, agent: A, mode: "hitl", status: "approved", created: at(`03-2${i}T10:00:00`), waitS: w, byUser: user });
    }
    for (let i = 0; i < 4; i++)
      await approval(db(), { task: doneA[i]!, agent: A, mode: "hotl", status: "approved", created: at(`03-1${i}T12:00:00`), waitS: 600 });
    for (let i = 0; i < 2; i++) await approval(db(), { task: doneA[5]!, agent: null, mode: "policy", status: "approved", created: at(`03-1${i}T13:00:00`) });
    await approval(db(), { task: old, agent: A, mode: "hitl", status: "denied", created: at("01-10T10:00:00"), waitS: 50, byUser: user });

    // Bravo: ten hotl actions, the latest vetoed after 30 s.
    for (let i = 0; i < 9; i++) await approval(db(), { task: b1, agent: B, mode: "hotl", status: "approved", created: at(`03-1${i}T09:00:00`), waitS: 600 });
    await approval(db(), { task: b1, agent: B, mode: "hotl", status: "denied", created: at("03-25T09:00:00"), waitS: 30, byUser: user });
    // Charlie: ten approved hitl actions, but already autonomous.
    for (let i = 0; i < 10; i++)
      await approval(db(), { task: c1, agent: C, mode: "hitl", status: "approved", created: at(`03-1${i}T11:00:00`), waitS: 10, byUser: user });
  });

  const summary = (days: number) => db().rpc<Record<string, any>>("workspace_cost_summary", { p_workspace_id: ws.id, p_days: days, p_now: NOW });

  it("totals today, 7 and 30 days with the provenance split", async () => {
    const s = await summary(30);
    const pick = (f: Figures) => [f.records, f.tokens, f.cost_usd, f.reported_usd, f.estimated_usd, f.unknown_cost_records];
    expect(pick(s.totals.today)).toEqual([2, 7000, 1.5, 1.5, 0, 0]);
    expect(pick(s.totals.d7)).toEqual([3, 9000, 1.75, 1.5, 0.25, 0]);
    expect(pick(s.totals.d30)).toEqual([4, 9200, 1.75, 1.5, 0.25, 1]);
    expect(s.totals.d30).toMatchObject({ reported_records: 2, estimated_records: 1, cache_tokens: 500, input_tokens: 7100, output_tokens: 1600 });
    expect(s.period).toEqual(s.totals.d30);
    expect((await summary(90)).period).toMatchObject({ records: 5, cost_usd: 3.75 });
  });

  it("breaks the period down by agent, by model and by day", async () => {
    const s = await summary(30);
    expect(s.by_agent.map((a: Figures) => [a.name, a.cost_usd, a.tokens, a.unknown_cost_records])).toEqual([
      ["Bravo", 1, 5500, 0],
      ["Alpha", 0.75, 3700, 1],
    ]);
    expect(s.by_model.map((m: Figures) => [m.model, m.cost_usd, m.tokens, m.estimated_usd])).toEqual([
      ["m-large", 1.5, 7000, 0],
      ["m-small", 0.25, 2200, 0.25],
    ]);
    expect(s.daily).toHaveLength(30);
    expect(s.daily[0].day).toBe("2026-03-02");
    expect(s.daily[29]).toMatchObject({ day: "2026-03-31", cost_usd: 1.5, records: 2 });
    const nonZero = s.daily.filter((d: Figures) => d.records > 0).map((d: Figures & { day: string }) => [d.day, d.cost_usd]);
    expect(nonZero).toEqual([
      ["2026-03-10", 0],
      ["2026-03-28", 0.25],
      ["2026-03-31", 1.5],
    ]);
  });

  it("gives every workspace's totals in one call", async () => {
    const o = await db().rpc<Record<string, any>>("cost_overview", { p_now: NOW });
    const mine = o.workspaces.find((w: { id: string }) => w.id === ws.id);
    const theirs = o.workspaces.find((w: { id: string }) => w.id === other.id);
    expect(mine.totals.d30).toMatchObject({ records: 4, cost_usd: 1.75, unknown_cost_records: 1 });
    expect(theirs.totals.today).toMatchObject({ records: 1, cost_usd: 0.1, tokens: 10 });
    expect(theirs.totals.d7.cost_usd).toBe(0.1);
    expect(o.totals.today).toMatchObject({ records: 3, cost_usd: 1.6 });
    expect(o.totals.d30).toMatchObject({ records: 5, cost_usd: 1.85 });
  });

  it("measures delivery per agent: completed, success, rework, cycle time, cost per task", async () => {
    const perf = await db().rpc<Record<string, any>>("agent_performance", { p_workspace_id: ws.id, p_days: 30, p_now: NOW });
    const alpha = perf.agents.find((a: { name: string }) => a.name === "Alpha");
    expect(alpha).toMatchObject({
      completed: 6,
      first_time: 4,
      success_rate: 0.6667,
      handed_in: 7,
      reworked: 2,
      rework_events: 2,
      rework_rate: 0.2857,
      cycle_n: 6,
      cycle_p50_s: 12600,
      cycle_p90_s: 25200,
      cost_per_task: 0.125,
      tokens_per_task: 616.7,
    });
    expect(alpha.usage).toMatchObject({ cost_usd: 0.75, reported_usd: 0.5, estimated_usd: 0.25, unknown_cost_records: 1, tokens: 3700 });
    const bravo = perf.agents.find((a: { name: string }) => a.name === "Bravo");
    expect(bravo).toMatchObject({ completed: 0, success_rate: null, cycle_p50_s: null, cost_per_task: null });
  });

  it("measures the human side: approval wait, interventions by mode, approvals per task", async () => {
    const perf = await db().rpc<Record<string, any>>("agent_performance", { p_workspace_id: ws.id, p_days: 30, p_now: NOW });
    const byName = (n: string) => perf.agents.find((a: { name: string }) => a.name === n);
    expect(byName("Alpha").approvals).toMatchObject({ requested: 12, human_decided: 6, wait_p50_s: 210, wait_p90_s: 600, per_task: 2 });
    expect(byName("Alpha").approvals.by_mode).toEqual([
      { mode: "hitl", total: 6, human_decided: 6, approved: 6, denied: 0, expired: 0, pending: 0, intervention_rate: 1, denied_rate: 0 },
      { mode: "hotl", total: 4, human_decided: 0, approved: 4, denied: 0, expired: 0, pending: 0, intervention_rate: 0, denied_rate: 0 },
      { mode: "policy", total: 2, human_decided: 0, approved: 2, denied: 0, expired: 0, pending: 0, intervention_rate: 0, denied_rate: 0 },
    ]);
    expect(byName("Bravo").approvals).toMatchObject({ requested: 10, human_decided: 1, wait_p50_s: 30, wait_p90_s: 30 });
    expect(byName("Bravo").approvals.by_mode).toEqual([
      { mode: "hotl", total: 10, human_decided: 1, approved: 9, denied: 1, expired: 0, pending: 0, intervention_rate: 0.1, denied_rate: 0.1 },
    ]);
    expect(perf.by_mode.map((m: Record<string, number>) => [m.mode, m.total, m.human_decided, m.denied])).toEqual([
      ["hitl", 16, 16, 0],
      ["hotl", 14, 1, 1],
      ["policy", 2, 0, 0],
    ]);
  });

  it("suggests promoting an agent whose last ten gated actions were all approved", async () => {
    const perf = await db().rpc<Record<string, any>>("agent_performance", { p_workspace_id: ws.id, p_days: 30, p_now: NOW });
    expect(perf.promote).toEqual([{ agent_id: A, name: "Alpha", emoji: "🤖", from: "hitl", to: "hotl" }]);
    const byName = (n: string) => perf.agents.find((a: { name: string }) => a.name === n);
    expect(byName("Alpha").promote).toEqual({ suggest: true, to: "hotl", approved_in_a_row: 10 });
    expect(byName("Bravo").promote).toEqual({ suggest: false, considered: 10, approved: 9 });
    expect(byName("Charlie").promote.suggest).toBe(false);
    // Eleven back, Alpha's old denial counts: no suggestion.
    const longer = await db().rpc<Record<string, any>>("agent_performance", { p_workspace_id: ws.id, p_days: 30, p_now: NOW, p_promote_after: 11 });
    expect(longer.promote).toEqual([]);
  });

  it("answers not_found for an unknown workspace", async () => {
    await expect(db().rpc("workspace_cost_summary", { p_workspace_id: "00000000-0000-4000-8000-000000000000", p_days: 7 })).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
