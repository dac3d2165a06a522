import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { SECRETS, seedAgent, seedRunningTask, seedTask, seedWorkspace, sql, taskRow } from "#tests/support/agent-plane";
import { type RunningServer, startServer } from "#tests/support/server";

interface Receipt {
  run_id: string;
  started_at: string;
  duration_ms: number;
  gateway_calls: number;
  actions: Array<{ task_id: string | null; action: string; reason: string | null; ok: boolean }>;
}

// The heartbeat over HTTP on PostgreSQL, with no gateway configured: auth, the
// advisory lock, leases, stalls, receipts. (Dispatch through a real gateway
// is covered by the gateway suite.)
describe("heartbeat", () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let ws: { id: string };
  let agent: { id: string };

  const beat = async (init: RequestInit & { query?: string } = {}) =>
    fetch(`${server.url}/api/heartbeat${init.query ?? `?token=${SECRETS.MC_API_TOKEN}`}`, init);
  const receipt = async () => (await (await beat()).json()) as Receipt;

  const filesDir = mkdtempSync(path.join(os.tmpdir(), "mc-files-"));

  beforeAll(async () => {
    pg = await createTestPostgres();
    server = await startServer({ env: { DATABASE_URL: pg.url, ...SECRETS, STALL_MINUTES: "5", FILES_DIR: filesDir } });
    ws = await seedWorkspace(pg.db);
    agent = await seedAgent(pg.db, ws.id, "Beat");
  });

  afterAll(async () => {
    const errors = server?.errors() ?? [];
    await server?.stop();
    await pg?.drop();
    rmSync(filesDir, { recursive: true, force: true });
    expect(errors).toEqual([]);
  });

  it("needs the API token (query or Bearer) and takes GET and POST", async () => {
    expect((await beat({ query: "" })).status).toBe(401);
    expect((await beat({ query: "?token=wrong" })).status).toBe(401);
    expect((await beat({ query: "", headers: { authorization: `Bearer ${SECRETS.MC_API_TOKEN}` } })).status).toBe(200);
    expect((await beat({ method: "POST" })).status).toBe(200);
    expect((await beat({ method: "PUT" })).status).toBe(405);
  });

  it("redacts the token from request logs", async () => {
    await beat();
    const lines = server.logs.filter((l) => l.event === "http.request" && String(l.path).startsWith("/api/heartbeat"));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(String(line.path)).not.toContain(SECRETS.MC_API_TOKEN);
    expect(JSON.stringify(server.logs)).not.toContain(SECRETS.MC_API_TOKEN);
  });

  it("an idle run does nothing, calls nothing and stores its receipt", async () => {
    const r = await receipt();
    expect(r.actions).toEqual([]);
    expect(r.gateway_calls).toBe(0);
    expect(r.run_id).toMatch(/^[0-9a-f-]{36}$/);
    const [stored] = await sql<{ trigger: string; actions: unknown }>(pg.db, "select trigger, actions from heartbeat_runs where id = $1", [r.run_id]);
    expect(stored).toEqual({ trigger: "cron", actions: [] });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { last_heartbeat_at: string | null };
    expect(health.last_heartbeat_at).not.toBeNull();
  });

  it("skips while another instance holds the lock", async () => {
    const other = postgres(pg.url, { max: 1 });
    try {
      await other`select pg_advisory_lock(7340002)`;
      const res = await beat();
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ skipped: "already_running" });
    } finally {
      await other.end();
    }
    expect((await receipt()).run_id).toBeDefined();
  });

  it("runs exactly once across concurrent calls that overlap", async () => {
    const before = (await sql<{ n: number }>(pg.db, "select count(*)::int as n from heartbeat_runs"))[0]!.n;
    const results = await Promise.all(Array.from({ length: 8 }, () => receipt()));
    const ran = results.filter((r) => "run_id" in r).length;
    const skipped = results.filter((r) => (r as unknown as { skipped?: string }).skipped === "already_running").length;
    expect(ran + skipped).toBe(8);
    const after = (await sql<{ n: number }>(pg.db, "select count(*)::int as n from heartbeat_runs"))[0]!.n;
    expect(after - before).toBe(ran);
  });

  it("requeues a task whose lease expired", async () => {
    const task = await seedRunningTask(pg.db, ws.id, agent.id);
    await sql(pg.db, "update tasks set lease_expires_at = now() - interval '1 minute' where id = $1", [task.id]);
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: task.id, action: "requeued", reason: "lease_expired", ok: true });
    const row = await taskRow(pg.db, task.id);
    expect(row).toMatchObject({ status: "assigned", alert_reason: "lease_expired" });
  });

  it("flags a stall once, not on every run", async () => {
    const task = await seedRunningTask(pg.db, ws.id, agent.id);
    await sql(pg.db, "update tasks set last_activity_at = now() - interval '6 minutes' where id = $1", [task.id]);
    const first = await receipt();
    expect(first.actions).toContainEqual({ task_id: task.id, action: "stall_flagged", reason: "no_activity", ok: true });
    const second = await receipt();
    expect(second.actions.filter((a) => a.task_id === task.id)).toEqual([]);
    expect((await taskRow(pg.db, task.id)).alert_reason).toBe("stalled");
    expect(await sql(pg.db, "select 1 from task_activities where task_id = $1 and type = 'stalled'", [task.id])).toHaveLength(1);
  });

  it("reports ready tasks it cannot dispatch without a gateway, and leaves them recoverable", async () => {
    const task = await seedTask(pg.db, ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: null, action: "dispatch_skipped", reason: "gateway_disabled", ok: false });
    expect(r.gateway_calls).toBe(0);
    expect(await taskRow(pg.db, task.id)).toMatchObject({ status: "assigned", dispatch_attempts: 0 });
  });

  it("checks deliverables in testing: pass → review, fail → rework with reasons, nothing checkable → review with an alert", async () => {
    const toTesting = async (title: string, deliverables: Array<Record<string, string>>) => {
      const task = await seedRunningTask(pg.db, ws.id, agent.id, { title });
      for (const d of deliverables) {
        await pg.db.rpc("agent_add_deliverable", { p_agent_id: agent.id, p_task_id: task.id, p_fields: d });
      }
      await pg.db.rpc("complete_task", { p_task_id: task.id, p_source: "agent_api", p_summary: "", p_run_id: null, p_actor: { type: "system" } });
      return task.id;
    };
    const good = await toTesting("good", [{ type: "file", title: "Report", path: "report.md" }]);
    mkdirSync(path.join(filesDir, good), { recursive: true });
    writeFileSync(path.join(filesDir, good, "report.md"), "# Findings\n");
    const bad = await toTesting("bad", [{ type: "file", title: "Missing", path: "nowhere.md" }, { type: "file", title: "Escape", path: "../../etc/passwd" }]);
    const none = await toTesting("none", []);
    const r = await receipt();
    expect(r.actions).toEqual(
      expect.arrayContaining([
        { task_id: good, action: "checks_pass", reason: null, ok: true },
        { task_id: bad, action: "checks_fail", reason: expect.stringMatching(/file_missing/), ok: false },
        { task_id: none, action: "checks_none_checkable", reason: null, ok: true },
      ]),
    );
    expect(await taskRow(pg.db, good)).toMatchObject({ status: "review", alert_reason: null });
    expect(await taskRow(pg.db, bad)).toMatchObject({ status: "assigned", alert_reason: "checks_failed" });
    expect(await taskRow(pg.db, none)).toMatchObject({ status: "review", alert_reason: "no_checkable_deliverable" });
    const reasons = await sql<{ metadata: { reason: string } }>(pg.db, "select metadata from task_activities where task_id = $1 and type = 'check_failed'", [bad]);
    expect(reasons.map((x) => x.metadata.reason).sort()).toEqual(["file_missing", "path_outside_base"]);
  });

  it("expires pending approvals", async () => {
    const task = await seedTask(pg.db, ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const [a] = await sql<{ id: string }>(
      pg.db,
      "insert into approvals (task_id, requested_by_agent_id, action, digest, expires_at) values ($1, $2, 'deploy', $3, now() - interval '1 second') returning id",
      [task.id, agent.id, "a".repeat(64)],
    );
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: task.id, action: "approval_expired", reason: "expired", ok: true });
    expect((await sql<{ status: string }>(pg.db, "select status from approvals where id = $1", [a!.id]))[0]!.status).toBe("expired");
  });
});

// Two instances claiming from one database never get the same task.
describe("claims across instances", () => {
  let pg: TestPostgres;

  beforeAll(async () => {
    pg = await createTestPostgres({ max: 4 });
  });

  afterAll(async () => {
    await pg?.drop();
  });

  it("hands out disjoint sets under concurrency (SKIP LOCKED)", async () => {
    const ws = await seedWorkspace(pg.db);
    const agent = await seedAgent(pg.db, ws.id, "Claimer");
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await seedTask(pg.db, ws.id, { status: "assigned", assigned_agent_id: agent.id })).id);
    const { openPostgres } = await import("#app/db/postgres.server");
    const a = openPostgres(pg.url, { max: 3 });
    const b = openPostgres(pg.url, { max: 3 });
    try {
      const claim = (db: typeof a) => db.rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 4, p_claim_seconds: 60 });
      const rounds = await Promise.all(Array.from({ length: 6 }, (_, i) => claim(i % 2 ? a : b)));
      const claimed = rounds.flat().map((t) => t.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.length).toBe(24);
      for (const id of claimed) expect(ids.has(id)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
