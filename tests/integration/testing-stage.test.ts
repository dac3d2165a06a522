import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "#app/env.server";
import { createLogger } from "#app/services/observability/logger.server";
import { type TestingDeps, checkClaimedTasks, claimTestingTasks } from "#app/services/orchestration/testing-stage.server";
import { useTestDatabase } from "#tests/support/databases";
import { SYSTEM, createAgent, createTask, createWorkspace, query } from "#tests/support/fixtures";

// The testing stage's run budget and shutdown, on a real database with the
// real browser: the pieces of the heartbeat that decide which claimed tasks
// are checked now and which are handed back for a later run.
describe.skipIf(!existsSync("/usr/bin/chromium"))("testing stage", () => {
  const db = useTestDatabase("postgres");
  const root = mkdtempSync(path.join(os.tmpdir(), "mc-stage-"));
  const filesDir = path.join(root, "data", "files");
  let ws: { id: string };
  let agent: { id: string };

  /** What the stage reads: its settings, the database, a logger and the shutdown flag (raised by the test). */
  const stageDeps = (budgets: Record<string, string>): TestingDeps & { stop(): void } => {
    let draining = false;
    const settings = parseEnv({ DATA_DIR: path.join(root, "data"), FILES_DIR: filesDir, ...budgets });
    return { settings, db: db(), log: createLogger("silent"), draining: () => draining, stop: () => (draining = true) };
  };

  /** A task in testing whose one deliverable is a page that never finishes loading. */
  const spinning = async () => {
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const [claimed] = await db().rpc<Array<{ session_key: string }>>("claim_tasks_for_dispatch", { p_limit: 1, p_claim_seconds: 60, p_task_id: task.id });
    await db().rpc("mark_task_dispatched", { p_task_id: task.id, p_run_id: `run-${task.id}`, p_session_key: claimed!.session_key, p_lease_seconds: 600 });
    mkdirSync(path.join(filesDir, task.id), { recursive: true });
    writeFileSync(path.join(filesDir, task.id, "spin.html"), "<!doctype html><script>for (;;) {}</script>");
    await db().rpc("agent_add_deliverable", { p_agent_id: agent.id, p_task_id: task.id, p_fields: { type: "file", title: "Spinner", path: "spin.html" } });
    await db().rpc("complete_task", { p_task_id: task.id, p_source: "agent_api", p_summary: "", p_run_id: null, p_actor: SYSTEM });
    return task.id;
  };
  const claimRow = (taskId: string) => query(db(), "select holder from testing_claims where task_id = $1", [taskId]);
  const status = async (taskId: string) => (await query<{ status: string }>(db(), "select status from tasks where id = $1", [taskId]))[0]!.status;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("starts a task only while a whole task budget is left of the run's, and hands the others back", async () => {
    const first = await spinning();
    const second = await spinning();
    const stage = stageDeps({ TESTING_RUN_BUDGET_S: "3", TESTING_TASK_BUDGET_S: "2" });
    const claim = await claimTestingTasks(stage, "test-instance", 10);
    expect(claim?.tasks.map((t) => t.id)).toEqual([first, second]);
    const actions = await checkClaimedTasks(stage, claim!);
    expect(actions).toEqual([
      { task_id: first, action: "checks_fail", reason: "html_timeout", ok: false },
      { task_id: second, action: "checks_deferred", reason: "run_budget_spent", ok: true },
    ]);
    expect(await status(first)).toBe("assigned");
    expect(await status(second)).toBe("testing");
    expect(await claimRow(second)).toEqual([]);
    // The next run takes it from the start.
    expect((await claimTestingTasks(stage, "test-instance", 10))?.tasks.map((t) => t.id)).toEqual([second]);
    await query(db(), "delete from testing_claims");
  }, 60_000);

  it("on shutdown stops the check in flight and hands its task back unjudged", async () => {
    await query(db(), "update tasks set status = 'review' where status = 'testing'");
    const task = await spinning();
    const stage = stageDeps({ TESTING_TASK_BUDGET_S: "20" });
    const claim = await claimTestingTasks(stage, "test-instance", 10);
    const checking = checkClaimedTasks(stage, claim!);
    // Another run in this process claims nothing while a batch is in flight.
    expect(await claimTestingTasks(stage, "test-instance", 10)).toBeNull();
    stage.stop();
    expect(await checking).toEqual([{ task_id: task, action: "checks_deferred", reason: "shutting_down", ok: true }]);
    expect(await status(task)).toBe("testing");
    expect(await claimRow(task)).toEqual([]);
    expect(await query(db(), "select 1 from task_activities where task_id = $1 and type like 'check%'", [task])).toEqual([]);
  }, 60_000);
});
