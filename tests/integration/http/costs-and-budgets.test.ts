import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace, query, SYSTEM } from "#tests/support/fixtures";
import { FormClient } from "#tests/support/http-client";
import { getCostSummary } from "#app/db/analytics.server";
import { recordUsage, setBudget } from "#app/db/costs.server";
import { claimTasksForDispatch } from "#app/db/dispatch.server";
import { useTestServer } from "#tests/support/test-server";

// The price table and the budget forms, as plain form posts (no JavaScript),
// and where cost shows: the board card and the task page.
describe("costs and budgets over HTTP", () => {
  const app = useTestServer();
  let admin: FormClient;
  let operator: FormClient;
  let ws: { id: string; slug: string };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    operator = await app.signIn({ email: "op@example.test", name: "Op", role: "operator" });
    ws = await createWorkspace(app.db);
  });

  it("lets an admin add a model and a new price version, audited; others may not", async () => {
    const page = await admin.get("/admin/prices");
    expect(page.status).toBe(200);
    expect(admin.lastHtml).toContain("claude-sonnet-4");
    const fields = {
      model: "Http-Model",
      input_usd_per_mtok: "1",
      output_usd_per_mtok: "2",
      cache_read_usd_per_mtok: "0.1",
      cache_write_usd_per_mtok: "",
      effective_from: "2025-01-01T00:00",
      note: "test",
    };
    expect((await admin.post("/admin/prices", fields)).status).toBe(302);
    await admin.get("/admin/prices");
    expect((await admin.post("/admin/prices", { ...fields, input_usd_per_mtok: "1.5", effective_from: "" })).status).toBe(302);
    await admin.get("/admin/prices");
    expect(admin.lastHtml).toMatch(/data-model="http-model" data-version="2"/);
    const bad = await admin.post("/admin/prices", { ...fields, input_usd_per_mtok: "-1" });
    expect(bad.status).toBe(400);
    await admin.get("/admin/prices");
    const sub = await admin.post("/admin/prices", {
      model: "http-sub",
      input_usd_per_mtok: "",
      output_usd_per_mtok: "",
      cache_read_usd_per_mtok: "",
      cache_write_usd_per_mtok: "",
      effective_from: "",
      note: "",
      included: "on",
    });
    expect(sub.status).toBe(302);
    const rows = await query<{ model: string; version: number; input: string; included: boolean }>(
      app.db,
      "select model, version, input_usd_per_mtok::text as input, included from model_prices where model like 'http-%' order by model, version",
    );
    expect(rows).toEqual([
      { model: "http-model", version: 1, input: "1.000000", included: false },
      { model: "http-model", version: 2, input: "1.500000", included: false },
      { model: "http-sub", version: 1, input: "0.000000", included: true },
    ]);
    const [audit] = await query<{ n: number }>(app.db, "select count(*)::int as n from audit_log where kind = 'model_price.added'");
    expect(audit!.n).toBe(3);
    expect((await operator.get("/admin/prices")).status).toBe(403);
  });

  it("sets and lowers a workspace budget as an operator, refuses an operator's raise and audits an admin's", async () => {
    const path = `/w/${ws.slug}/settings`;
    await operator.get(path);
    expect((await operator.post(path, { intent: "budget", daily_limit_usd: "5", total_limit_usd: "$50", reserve_usd: "0.75" })).status).toBe(302);
    await operator.get(path);
    expect(operator.lastHtml).toContain('value="5"');
    expect((await operator.post(path, { intent: "budget", daily_limit_usd: "4", total_limit_usd: "50", reserve_usd: "0.75" })).status).toBe(302);
    await operator.get(path);
    const refused = await operator.post(path, { intent: "budget", daily_limit_usd: "9", total_limit_usd: "50", reserve_usd: "0.75" });
    expect(refused.status).toBe(403);
    expect(operator.lastHtml).toContain("needs an approver");
    const invalid = await operator.post(path, { intent: "budget", daily_limit_usd: "lots", total_limit_usd: "", reserve_usd: "" });
    expect(invalid.status).toBe(400);
    await admin.get(path);
    expect((await admin.post(path, { intent: "budget", daily_limit_usd: "9", total_limit_usd: "50", reserve_usd: "0.75" })).status).toBe(302);
    const kinds = await query<{ kind: string }>(app.db, "select kind from audit_log where subject->>'subject_id' = $1 order by seq", [ws.id]);
    expect(kinds.map((k) => k.kind)).toEqual(["budget.set", "budget.set", "budget.raised"]);
  });

  it("sets an agent's and a task's budget from their pages", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Budgeted" });
    const task = await createTask(app.db, ws.id, { title: "Budgeted task" });
    await operator.get(`/w/${ws.slug}/agents/${agent.id}`);
    expect(operator.lastHtml).toContain("Agent budget");
    expect(
      (await operator.post(`/w/${ws.slug}/agents/${agent.id}`, { intent: "budget", daily_limit_usd: "2", total_limit_usd: "", reserve_usd: "" })).status,
    ).toBe(302);
    await operator.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(operator.lastHtml).toContain("Task budget");
    expect(
      (await operator.post(`/w/${ws.slug}/tasks/${task.id}`, { intent: "budget", daily_limit_usd: "", total_limit_usd: "1.25", reserve_usd: "" })).status,
    ).toBe(302);
    const budgets = await query<{ scope: string; daily: string | null; total: string | null }>(
      app.db,
      "select scope, daily_limit_usd::text as daily, total_limit_usd::text as total from budgets where subject_id = any($1::uuid[]) order by scope",
      [[agent.id, task.id]],
    );
    expect(budgets).toEqual([
      { scope: "agent", daily: "2.000000", total: null },
      { scope: "task", daily: null, total: "1.250000" },
    ]);
  });

  it("shows cost with its provenance on the card and the task page, and a budget refusal with the way forward", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Costly" });
    const task = await createRunningTask(app.db, ws.id, agent.id, { title: "Costed task" });
    await recordUsage(app.db, task.id, {
      source: "gateway",
      dedupeKey: task.runId,
      runId: task.runId,
      usage: { model: "anthropic/claude-sonnet-4", input_tokens: 100_000, output_tokens: 10_000 },
    });
    await operator.get(`/w/${ws.slug}`);
    expect(operator.lastHtml).toMatch(/data-testid="card-cost"[^>]*>\$0\.45 est\.</);
    await operator.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(operator.lastHtml).toMatch(/data-testid="task-cost-provenance">[^<]*(<!-- -->)?\((<!-- -->)?estimated from price v1/);
    expect(operator.lastHtml).toContain('data-testid="usage-runs"');

    const refusedTask = await createTask(app.db, ws.id, { title: "Too dear", status: "assigned", assigned_agent_id: agent.id });
    await setBudget(app.db, "task", refusedTask.id, { daily: null, total: 0.1, reserve: null, mayRaise: true }, SYSTEM);
    expect(await claimTasksForDispatch(app.db, 1, 60, refusedTask.id)).toEqual([]);
    await operator.get(`/w/${ws.slug}`);
    expect(operator.lastHtml).toContain("budget exceeded");
    await operator.get(`/w/${ws.slug}/tasks/${refusedTask.id}`);
    expect(operator.lastHtml).toMatch(/data-testid="budget-refusal"[^>]*>Task total budget/);
    expect(operator.lastHtml).toContain("Retry dispatch");
  });
  it("shows each workspace's spend on its home page card: 30 days and in all, from the ledger", async () => {
    const spender = await createWorkspace(app.db, { name: "Spender" });
    const idle = await createWorkspace(app.db, { name: "Idle" });
    const agent = await createAgentWithToken(app.db, spender.id, { name: "Spends" });
    const task = await createRunningTask(app.db, spender.id, agent.id, { title: "Spending task" });
    await recordUsage(app.db, task.id, {
      source: "gateway",
      dedupeKey: task.runId,
      runId: task.runId,
      usage: { model: "anthropic/claude-sonnet-4", input_tokens: 100_000, output_tokens: 10_000 },
    });
    await query(
      app.db,
      `insert into usage_records (workspace_id, source, model, input_tokens, output_tokens, cost_usd, provenance, created_at)
       values ($1, 'agent_api', 'reported-model', 1, 1, 1234.5, 'reported', now() - interval '90 days')`,
      [spender.id],
    );
    const res = await operator.get("/");
    expect(res.status).toBe(200);
    // One workspace's card: from its <li class="ws-card"> to the end of that item.
    const card = (slug: string) => {
      const cards = operator.lastHtml.split('<li class="ws-card">').slice(1);
      const found = cards.find((c) => c.includes(`href="/w/${slug}"`));
      expect(found, slug).toBeDefined();
      return found!.slice(0, found!.indexOf("</li>"));
    };
    const strip = (html: string) => html.replaceAll("<!-- -->", "");
    expect(strip(card(spender.slug))).toMatch(/data-testid="ws-spend-30">\$0\.45 est\.</);
    expect(strip(card(spender.slug))).toMatch(/data-testid="ws-spend-total">\$1,234\.95 est\.</);
    expect(card(spender.slug)).toContain(`href="/w/${spender.slug}/costs"`);
    expect(strip(card(idle.slug))).toMatch(/data-testid="ws-spend-30">\$0\.00</);
    expect(strip(card(idle.slug))).toMatch(/data-testid="ws-spend-total">\$0\.00</);
  });

  it("shows the gateway's measurement, not an agent's $0 report of the same run, on the card, the task page and the costs", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Modest" });
    const task = await createRunningTask(app.db, ws.id, agent.id, { title: "Claimed free" });
    const tokens = { model: "anthropic/claude-sonnet-4", input_tokens: 100_000, output_tokens: 10_000 };
    const claimed = await fetch(`${app.url}/api/agent/tasks/${task.id}/usage`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...tokens, cost_usd: 0 }),
    });
    expect(claimed.status).toBe(201);
    await recordUsage(app.db, task.id, { source: "gateway", dedupeKey: task.runId, runId: task.runId, usage: tokens });
    await operator.get(`/w/${ws.slug}`);
    expect(operator.lastHtml).toMatch(new RegExp(`data-task-id="${task.id}"[\\s\\S]*?data-testid="card-cost"[^>]*>\\$0\\.45 est\\.<`));
    await operator.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(operator.lastHtml).toContain("the agent API reported 110,000 tokens ($0.00)");
    expect(operator.lastHtml).toMatch(/data-testid="task-tokens">110,000</);
    expect(operator.lastHtml).toMatch(/data-testid="task-cost"[^>]*>\$0\.45</);
    const summary = await getCostSummary(app.db, ws.id, 1);
    expect(summary.by_agent.find((a) => a.name === "Modest")).toMatchObject({ tokens: 110_000, records: 1 });
  });
});
