import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace, query, SYSTEM, taskRow } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { until } from "#tests/support/until";
import { agentAddDeliverable } from "#app/db/agent-api.server";
import { completeTask } from "#app/db/completion.server";
import { claimTasksForDispatch } from "#app/db/dispatch.server";
import { useTestServer } from "#tests/support/test-server";

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
  const filesDir = mkdtempSync(path.join(os.tmpdir(), "mc-files-"));
  const app = useTestServer({
    env: { STALL_MINUTES: "5", FILES_DIR: filesDir, TESTING_TASK_BUDGET_S: "15", TESTING_MAX_DELIVERABLES: "3" },
    after: () => rmSync(filesDir, { recursive: true, force: true }),
  });
  let ws: { id: string };
  let agent: { id: string; token: string };

  const beat = async (init: RequestInit & { query?: string } = {}) => fetch(`${app.url}/api/heartbeat${init.query ?? `?token=${SECRETS.MC_API_TOKEN}`}`, init);
  const receipt = async () => (await (await beat()).json()) as Receipt;

  beforeAll(async () => {
    ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Beat" });
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
    const lines = app.server.logs.filter((l) => l.event === "http.request" && String(l.data.path).startsWith("/api/heartbeat"));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(String(line.data.path)).not.toContain(SECRETS.MC_API_TOKEN);
    expect(JSON.stringify(app.server.logs)).not.toContain(SECRETS.MC_API_TOKEN);
  });

  it("an idle run does nothing, calls nothing and stores its receipt", async () => {
    const r = await receipt();
    expect(r.actions).toEqual([]);
    expect(r.gateway_calls).toBe(0);
    expect(r.run_id).toMatch(/^[0-9a-f-]{36}$/);
    const [stored] = await query<{ trigger: string; actions: unknown }>(app.db, "select trigger, actions from heartbeat_runs where id = $1", [r.run_id]);
    expect(stored).toEqual({ trigger: "cron", actions: [] });
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as { last_heartbeat_at: string | null };
    expect(health.last_heartbeat_at).not.toBeNull();
  });

  it("skips while another instance holds the lock", async () => {
    const other = postgres(app.pg.url, { max: 1 });
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
    const before = (await query<{ n: number }>(app.db, "select count(*)::int as n from heartbeat_runs"))[0]!.n;
    const results = await Promise.all(Array.from({ length: 8 }, () => receipt()));
    const ran = results.filter((r) => "run_id" in r).length;
    const skipped = results.filter((r) => (r as unknown as { skipped?: string }).skipped === "already_running").length;
    expect(ran + skipped).toBe(8);
    const after = (await query<{ n: number }>(app.db, "select count(*)::int as n from heartbeat_runs"))[0]!.n;
    expect(after - before).toBe(ran);
  });

  it("requeues a task whose lease expired", async () => {
    const task = await createRunningTask(app.db, ws.id, agent.id);
    await query(app.db, "update tasks set lease_expires_at = now() - interval '1 minute' where id = $1", [task.id]);
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: task.id, action: "requeued", reason: "lease_expired", ok: true });
    const row = await taskRow(app.db, task.id);
    expect(row).toMatchObject({ status: "assigned", alert_reason: "lease_expired" });
  });

  it("flags a stall once, not on every run", async () => {
    const task = await createRunningTask(app.db, ws.id, agent.id);
    await query(app.db, "update tasks set last_activity_at = now() - interval '6 minutes' where id = $1", [task.id]);
    const first = await receipt();
    expect(first.actions).toContainEqual({ task_id: task.id, action: "stall_flagged", reason: "no_activity", ok: true });
    const second = await receipt();
    expect(second.actions.filter((a) => a.task_id === task.id)).toEqual([]);
    expect((await taskRow(app.db, task.id)).alert_reason).toBe("stalled");
    expect(await query(app.db, "select 1 from task_activities where task_id = $1 and type = 'stalled'", [task.id])).toHaveLength(1);
  });

  it("reports ready tasks it cannot dispatch without a gateway, and leaves them recoverable", async () => {
    const task = await createTask(app.db, ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: null, action: "dispatch_skipped", reason: "gateway_disabled", ok: false });
    expect(r.gateway_calls).toBe(0);
    expect(await taskRow(app.db, task.id)).toMatchObject({ status: "assigned", dispatch_attempts: 0 });
  });

  const toTesting = async (title: string, deliverables: Array<Record<string, string>>, files: Record<string, string> = {}) => {
    const task = await createRunningTask(app.db, ws.id, agent.id, { title });
    mkdirSync(path.join(filesDir, task.id), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(filesDir, task.id, name), content);
    for (const d of deliverables) {
      await agentAddDeliverable(app.db, agent.id, task.id, d);
    }
    await completeTask(app.db, task.id, { source: "agent_api", summary: "", runId: null, actor: SYSTEM });
    return task.id;
  };
  const expiredApproval = async () => {
    const task = await createTask(app.db, ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const [a] = await query<{ id: string }>(
      app.db,
      "insert into approvals (task_id, requested_by_agent_id, action, digest, expires_at) values ($1, $2, 'deploy', $3, now() - interval '1 second') returning id",
      [task.id, agent.id, "a".repeat(64)],
    );
    return { taskId: task.id, approvalId: a!.id };
  };
  const checkFailures = (taskId: string) =>
    query<{ message: string; metadata: { reason: string } }>(
      app.db,
      "select message, metadata from task_activities where task_id = $1 and type = 'check_failed' order by created_at",
      [taskId],
    );

  it("checks deliverables in testing: pass → review, fail → rework with reasons, nothing checkable → review with an alert", async () => {
    const good = await toTesting("good", [{ type: "file", title: "Report", path: "report.md" }]);
    mkdirSync(path.join(filesDir, good), { recursive: true });
    writeFileSync(path.join(filesDir, good, "report.md"), "# Findings\n");
    const bad = await toTesting("bad", [
      { type: "file", title: "Missing", path: "nowhere.md" },
      { type: "file", title: "Escape", path: "../../etc/passwd" },
    ]);
    const none = await toTesting("none", []);
    const r = await receipt();
    expect(r.actions).toEqual(
      expect.arrayContaining([
        { task_id: good, action: "checks_pass", reason: null, ok: true },
        { task_id: bad, action: "checks_fail", reason: expect.stringMatching(/file_missing/), ok: false },
        { task_id: none, action: "checks_none_checkable", reason: null, ok: true },
      ]),
    );
    expect(await taskRow(app.db, good)).toMatchObject({ status: "review", alert_reason: null });
    expect(await taskRow(app.db, bad)).toMatchObject({ status: "assigned", alert_reason: "checks_failed" });
    expect(await taskRow(app.db, none)).toMatchObject({ status: "review", alert_reason: "no_checkable_deliverable" });
    const reasons = await query<{ metadata: { reason: string } }>(app.db, "select metadata from task_activities where task_id = $1 and type = 'check_failed'", [
      bad,
    ]);
    expect(reasons.map((x) => x.metadata.reason).sort()).toEqual(["file_missing", "path_outside_base"]);
  });

  it("expires pending approvals", async () => {
    const { taskId, approvalId } = await expiredApproval();
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: taskId, action: "approval_expired", reason: "expired", ok: true });
    expect((await query<{ status: string }>(app.db, "select status from approvals where id = $1", [approvalId]))[0]!.status).toBe("expired");
  });

  it("renders a hostile page outside the lock: it fails on the task's time budget while another run still does its work", async () => {
    const spin = await toTesting("spin", [{ type: "file", title: "Spinner", path: "spin.html" }], {
      "spin.html": "<!doctype html><script>while (true) {}</script>",
    });
    let firstSettled = false;
    const first = receipt().finally(() => (firstSettled = true));
    await until(
      "the spinning page's check to be claimed",
      async () => (await query(app.db, "select 1 from testing_claims where task_id = $1", [spin])).length > 0,
    );
    const { taskId, approvalId } = await expiredApproval();
    // The first run leaves the lock once its quick steps are done; until then another run is skipped.
    const second = await until("a second run to go ahead", async () => {
      const r = (await receipt()) as Receipt | { skipped: string };
      return "run_id" in r ? r : null;
    });
    expect(firstSettled).toBe(false); // the page cannot finish before its budget runs out
    expect(second.actions).toContainEqual({ task_id: taskId, action: "approval_expired", reason: "expired", ok: true });
    expect(second.actions.filter((a) => a.task_id === spin)).toEqual([]); // never checked twice at once
    expect((await query<{ status: string }>(app.db, "select status from approvals where id = $1", [approvalId]))[0]!.status).toBe("expired");

    const r = await first;
    expect(r.actions).toContainEqual({ task_id: spin, action: "checks_fail", reason: "html_timeout", ok: false });
    expect(await taskRow(app.db, spin)).toMatchObject({ status: "assigned", alert_reason: "checks_failed" });
    // The render's 15 s cap, or what was left of the task's budget when rendering began, if a little less.
    const [timedOut] = (await checkFailures(spin)).map((f) => f.message);
    const after = Number(/^Rendering timed out after ([\d.]+) s\.$/.exec(timedOut ?? "")?.[1]);
    expect(after, timedOut).toBeGreaterThanOrEqual(14);
    expect(after, timedOut).toBeLessThanOrEqual(15);
    expect(await query(app.db, "select 1 from testing_claims where task_id = $1", [spin])).toEqual([]);
    // How the browser runs is decided once and logged: as nobody when the server is root, sandboxed if the host allows.
    const modes = app.server.logs.filter((l) => l.event === "checks.browser");
    expect(modes.map((l) => l.data)).toEqual([expect.objectContaining({ user: process.getuid?.() === 0 ? "nobody" : null, sandbox: expect.any(Boolean) })]);
  }, 90_000);

  it("checks at most TESTING_MAX_DELIVERABLES per task and sends the task to a human for the rest", async () => {
    const names = ["a.md", "b.md", "c.md", "d.md", "e.md"];
    const task = await toTesting(
      "many",
      names.map((n) => ({ type: "file", title: n, path: n })),
      Object.fromEntries(names.map((n) => [n, `# ${n}\n`])),
    );
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: task, action: "checks_partial", reason: null, ok: true });
    expect(await taskRow(app.db, task)).toMatchObject({ status: "review", alert_reason: "deliverables_unchecked" });
    const [summary] = await query<{ metadata: { results: Array<{ kind: string; details?: { unchecked?: string } }> } }>(
      app.db,
      "select metadata from task_activities where task_id = $1 and type = 'checks_partial'",
      [task],
    );
    expect(summary!.metadata.results.map((x) => x.details?.unchecked ?? x.kind)).toEqual(["file", "file", "file", "over_cap", "over_cap"]);
  });

  it("tells the agent why a check failed without naming a server path", async () => {
    const task = await toTesting(
      "paths",
      [
        { type: "file", title: "Page", path: "page.html" },
        { type: "file", title: "Gone", path: "sub/gone.md" },
      ],
      { "page.html": `<!doctype html><script src="missing.js"></script><script>throw new Error("broken at " + location.href)</script>` },
    );
    const r = await receipt();
    expect(r.actions).toContainEqual({ task_id: task, action: "checks_fail", reason: expect.stringMatching(/html_console_errors/), ok: false });
    const failures = await checkFailures(task);
    expect(failures.map((f) => f.metadata.reason).sort()).toEqual(["file_missing", "html_console_errors"]);
    const html = failures.find((f) => f.metadata.reason === "html_console_errors")! as unknown as {
      message: string;
      metadata: { details: { console_errors: string[] } };
    };
    expect(html.message).toMatch(/^The page logged 2 console errors; first: /);
    // Page URLs are shown relative to the task's folder.
    expect(html.metadata.details.console_errors).toHaveLength(2);
    expect(html.metadata.details.console_errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/ERR_FILE_NOT_FOUND \(missing\.js\)$/), expect.stringMatching(/^Uncaught Error: broken at page\.html$/)]),
    );
    const res = await fetch(`${app.url}/api/agent/tasks/${task}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(res.status).toBe(200);
    const shown = await res.text();
    expect(shown).toContain("sent back for rework");
    for (const text of [shown, JSON.stringify(failures)]) {
      for (const dir of [filesDir, app.server.dataDir, os.tmpdir() + "/", "file:///"]) expect(text).not.toContain(dir);
    }
  }, 60_000);
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
    const ws = await createWorkspace(pg.db);
    const agent = await createAgentWithToken(pg.db, ws.id, { name: "Claimer" });
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await createTask(pg.db, ws.id, { status: "assigned", assigned_agent_id: agent.id })).id);
    const { openPostgres } = await import("#app/db/postgres.server");
    const a = openPostgres(pg.url, { max: 3 });
    const b = openPostgres(pg.url, { max: 3 });
    try {
      const claim = (db: typeof a) => claimTasksForDispatch(db, 4, 60);
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
