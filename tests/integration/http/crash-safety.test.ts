import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { TRANSITIONS, type TaskStatus } from "#app/domain/task-status";
import { createAgentWithToken, createRunningTask, createTask, createWorkspace } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { FormClient, setUpAdmin } from "#tests/support/http-client";
import { type RunningServer, startServer } from "#tests/support/server";

// kill -9 in the middle of a burst of writes, then a restart on the same data,
// on PostgreSQL and on the embedded database: every acknowledged write is
// there, every task sits in a state reachable by legal moves, each status
// change has both its activity and its event (nothing half-applied), event
// sequence numbers are unique, and the embedded server takes over its stale lock.

const ACTIVITIES = 200;
const MOVES_PER_TASK = 40;
const CYCLE: TaskStatus[] = ["assigned", "inbox", "cancelled", "inbox"];
/** Acknowledged writes after which the server is killed: well inside the burst. */
const KILL_AFTER = 90;
const MIN_MOVES = 12;
// Generous limits: the burst is the point, not the rate limiter.
const LIMITS = { RATE_LIMIT_WRITES_PER_MIN: "100000", RATE_LIMIT_AUTH_FAILURES_PER_MIN: "100000" };

interface Seeded {
  slug: string;
  agentToken: string;
  activityTasks: string[];
  moveTasks: string[];
}

interface Outcome {
  /** Activity messages the server acknowledged (2xx). */
  ackedActivities: Array<{ taskId: string; message: string }>;
  /** Per move task: the target statuses the server acknowledged (3xx), in order. */
  ackedMoves: Map<string, TaskStatus[]>;
  /** Requests that got no answer because the server died. */
  lost: number;
  /** Requests answered with anything but success (none are expected before the kill). */
  refused: Array<{ what: string; status: number }>;
}

type Query = <R>(text: string, params?: unknown[]) => Promise<R[]>;

/** Fires the burst: agent activity posts (8 at a time) and, per task, a chain of board moves; kills the server mid-way. */
async function burst(server: RunningServer, seeded: Seeded, operator: FormClient, csrf: string): Promise<Outcome> {
  const outcome: Outcome = { ackedActivities: [], ackedMoves: new Map(seeded.moveTasks.map((id) => [id, []])), lost: 0, refused: [] };
  let acked = 0;
  let movesAcked = 0;
  let killing: Promise<unknown> | null = null;
  const ack = (move = false) => {
    acked++;
    if (move) movesAcked++;
    // Both kinds of write must have been under way (PGlite serialises them all).
    if (acked >= KILL_AFTER && movesAcked >= MIN_MOVES && !killing) killing = server.stop("SIGKILL");
  };

  let next = 0;
  const activityWorker = async () => {
    while (next < ACTIVITIES) {
      const i = next++;
      const taskId = seeded.activityTasks[i % seeded.activityTasks.length]!;
      const message = `burst activity ${i}`;
      try {
        const res = await fetch(`${server.url}/api/agent/tasks/${taskId}/activities`, {
          method: "POST",
          headers: { authorization: `Bearer ${seeded.agentToken}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "progress", message }),
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) {
          outcome.ackedActivities.push({ taskId, message });
          ack();
        } else outcome.refused.push({ what: message, status: res.status });
      } catch {
        outcome.lost++;
        if (killing) return;
      }
    }
  };

  const mover = async (taskId: string) => {
    for (let i = 0; i < MOVES_PER_TASK; i++) {
      const status = CYCLE[i % CYCLE.length]!;
      try {
        const res = await operator.post(`/w/${seeded.slug}?index`, { csrf, intent: "move", taskId, status }, { csrf: false });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 400) {
          outcome.ackedMoves.get(taskId)!.push(status);
          ack(true);
        } else outcome.refused.push({ what: `${taskId} → ${status}`, status: res.status });
      } catch {
        outcome.lost++;
        return;
      }
    }
  };

  await Promise.all([...Array.from({ length: 8 }, activityWorker), ...seeded.moveTasks.map(mover)]);
  await (killing ?? server.stop("SIGKILL"));
  return outcome;
}

/** Everything that must hold on the data after the crash and restart. */
async function verify(query: Query, seeded: Seeded, outcome: Outcome) {
  // Really mid-burst: some writes were answered, some were cut off.
  expect(outcome.ackedActivities.length + [...outcome.ackedMoves.values()].flat().length).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(outcome.lost).toBeGreaterThan(0);
  expect(outcome.ackedActivities.length).toBeGreaterThan(0);
  expect([...outcome.ackedMoves.values()].flat().length).toBeGreaterThan(0);
  expect(outcome.refused).toEqual([]);

  // 1. Every acknowledged activity is there, exactly once.
  const rows = await query<{ task_id: string; message: string }>("select task_id::text, message from task_activities where message like 'burst activity %'");
  const present = new Map<string, number>();
  for (const r of rows) present.set(`${r.task_id} ${r.message}`, (present.get(`${r.task_id} ${r.message}`) ?? 0) + 1);
  const missing = outcome.ackedActivities.filter((a) => !present.has(`${a.taskId} ${a.message}`));
  expect(missing).toEqual([]);
  expect([...present.values()].filter((n) => n > 1)).toEqual([]);

  // 2. Event sequence numbers are unique.
  const [seq] = await query<{ total: number; distinct_seq: number }>("select count(*)::int as total, count(distinct seq)::int as distinct_seq from events");
  expect(seq!.total).toBe(seq!.distinct_seq);

  for (const taskId of [...seeded.moveTasks, ...seeded.activityTasks]) {
    const [task] = await query<{ status: TaskStatus; assigned_agent_id: string | null }>("select status, assigned_agent_id::text from tasks where id = $1", [
      taskId,
    ]);
    const changes = await query<{ from: TaskStatus; to: TaskStatus }>(
      // A dispatch moves assigned → in_progress with a "dispatched" activity of its own.
      `select case when type = 'dispatched' then 'assigned' else metadata->>'from' end as from,
              case when type = 'dispatched' then 'in_progress' else metadata->>'to' end as to
         from task_activities where task_id = $1 and type in ('status_changed', 'dispatched') order by created_at, id`,
      [taskId],
    );
    const events = await query<{ from: TaskStatus; to: TaskStatus }>(
      "select payload->>'from_status' as from, payload->>'status' as to from events where task_id = $1 and type = 'task.updated' and payload->'changed' ? 'status' order by seq",
      [taskId],
    );
    // 3. No half-applied transition: each status change has its activity and its event, in the same order.
    expect(events, taskId).toEqual(changes);
    // 4. The recorded history is a chain of legal moves ending in the task's status.
    const initial = seeded.moveTasks.includes(taskId) ? "inbox" : (changes[0]?.from ?? task!.status);
    let at: TaskStatus = initial;
    for (const change of changes) {
      expect(change.from, taskId).toBe(at);
      expect(TRANSITIONS[change.from], `${change.from} → ${change.to}`).toContain(change.to);
      at = change.to;
    }
    expect(task!.status, taskId).toBe(at);
    if (task!.status === "assigned" || task!.status === "in_progress") expect(task!.assigned_agent_id).not.toBeNull();
    // 5. Every acknowledged move is in the history; at most the one in flight at the kill went further.
    const acked = outcome.ackedMoves.get(taskId);
    if (acked) {
      expect(
        changes.slice(0, acked.length).map((c) => c.to),
        taskId,
      ).toEqual(acked);
      expect(changes.length - acked.length, taskId).toBeLessThanOrEqual(1);
    }
  }
}

/** A fresh CSRF token (from the board) for the burst's form posts. */
async function boardCsrf(client: FormClient, slug: string): Promise<string> {
  const res = await client.get(`/w/${slug}`);
  expect(res.status).toBe(200);
  return client.csrf();
}

/** stop() waits for an exit; a process already gone (even by signal) has nothing left to stop. */
function stopIfRunning(server: RunningServer) {
  const child = server.process;
  return child.exitCode === null && child.signalCode === null ? server.stop() : undefined;
}

describe("crash safety: kill -9 mid-burst", () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("on PostgreSQL: acknowledged writes survive, no half-applied transition", async () => {
    const pg: TestPostgres = await createTestPostgres();
    cleanups.push(() => pg.drop());
    const env = { DATABASE_URL: pg.url, ...SECRETS, ...LIMITS };
    const server = await startServer({ env });
    cleanups.push(() => stopIfRunning(server));
    const admin = await setUpAdmin(server.url, server.setupUrl!);
    const ws = await createWorkspace(pg.db);
    const agent = await createAgentWithToken(pg.db, ws.id, { name: "Crasher" });
    const seeded: Seeded = {
      slug: ws.slug,
      agentToken: agent.token,
      activityTasks: [],
      moveTasks: [],
    };
    for (let i = 0; i < 3; i++) seeded.activityTasks.push((await createRunningTask(pg.db, ws.id, agent.id, { title: `Busy ${i}` })).id);
    for (let i = 0; i < 4; i++)
      seeded.moveTasks.push((await createTask(pg.db, ws.id, { title: `Mover ${i}`, status: "inbox", assigned_agent_id: agent.id })).id);

    const outcome = await burst(server, seeded, admin, await boardCsrf(admin, ws.slug));
    expect(server.process.signalCode).toBe("SIGKILL");

    const again = await startServer({ env });
    cleanups.push(() => stopIfRunning(again));
    expect((await fetch(`${again.url}/api/health`)).status).toBe(200);
    await verify((text, params) => pg.db.session((s) => s.query(text, params)), seeded, outcome);
    // Still writable after the restart.
    const after = await fetch(`${again.url}/api/agent/tasks/${seeded.activityTasks[0]}/activities`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "after the crash" }),
    });
    expect(after.status).toBe(201);
    expect(again.errors()).toEqual([]);
  }, 120_000);

  it("on the embedded database: restarts over the stale lock, acknowledged writes survive", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-crash-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...LIMITS };
    const server = await startServer({ dataDir, env, timeoutMs: 60_000 });
    cleanups.push(() => stopIfRunning(server));

    // Seed through HTTP: admin, workspace, agent (token from the page), tasks.
    const admin = await setUpAdmin(server.url, server.setupUrl!);
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Crash", icon: "💥", slug: "crash" })).status).toBe(302);
    await admin.get("/w/crash/agents");
    const created = await admin.post("/w/crash/agents", {
      intent: "create",
      name: "Crasher",
      role: "",
      emoji: "",
      model: "",
      openclaw_agent_id: "main",
      status: "standby",
    });
    expect(created.status).toBe(201);
    const token = /mca_[A-Za-z0-9_-]{43}/.exec(admin.lastHtml)?.[0];
    expect(token).toBeDefined();
    await admin.get("/w/crash/agents");
    const agentId = /\/w\/crash\/agents\/([0-9a-f-]{36})/.exec(admin.lastHtml)?.[1];
    expect(agentId).toBeDefined();
    const newTask = async (title: string, status: TaskStatus) => {
      await admin.get("/w/crash/tasks/new");
      const res = await admin.post("/w/crash/tasks/new", { title, status, assigned_agent_id: agentId! });
      expect(res.status).toBe(302);
      return res.headers.get("location")!.split("/").pop()!;
    };
    const seeded: Seeded = { slug: "crash", agentToken: token!, activityTasks: [], moveTasks: [] };
    for (let i = 0; i < 3; i++) seeded.activityTasks.push(await newTask(`Busy ${i}`, "assigned"));
    for (let i = 0; i < 4; i++) seeded.moveTasks.push(await newTask(`Mover ${i}`, "inbox"));

    const outcome = await burst(server, seeded, admin, await boardCsrf(admin, "crash"));
    expect(server.process.signalCode).toBe("SIGKILL");

    // The lock file still names the dead process: the next start must take it over.
    const again = await startServer({ dataDir, env, timeoutMs: 60_000 });
    cleanups.push(() => stopIfRunning(again));
    expect((await fetch(`${again.url}/api/health`)).status).toBe(200);
    const list = await fetch(`${again.url}/api/agent/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const { tasks } = (await list.json()) as { tasks: Array<{ id: string; status: TaskStatus }> };
    expect(tasks.map((t) => t.id).sort()).toEqual(expect.arrayContaining([...seeded.activityTasks]));
    const after = await fetch(`${again.url}/api/agent/tasks/${seeded.activityTasks[0]}/activities`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "after the crash" }),
    });
    expect(after.status).toBe(201);
    const errors = again.errors();
    expect(await again.stop()).toBe(0);
    expect(errors).toEqual([]);

    // Read the data back directly once the server has let go of it.
    const db = await openPglite({ dataDir });
    try {
      await verify((text, params) => db.session((s) => s.query(text, params)), seeded, outcome);
      const [last] = await db.session((s) => s.query<{ n: number }>("select count(*)::int as n from task_activities where message = 'after the crash'"));
      expect(last!.n).toBe(1);
    } finally {
      await db.close();
    }
  }, 180_000);
});
