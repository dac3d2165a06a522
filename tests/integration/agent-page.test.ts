import { beforeAll, describe, expect, it } from "vitest";
import { getAgentPage } from "#app/db/analytics.server";
import { completeTask, recordRunFailure } from "#app/db/completion.server";
import { recordUsage } from "#app/db/costs.server";
import { updateTask as updateTaskRow } from "#app/db/tasks.server";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { createAgent, createRunningTask, createTask, createUser, createWorkspace, query } from "#tests/support/fixtures";

// The agent page's one read: what the agent runs now, a page of its tasks
// with each one's outcome, cycle time (first start → done) and cost, and its
// recent runs.
describe.each(TRANSPORTS)("the agent page's read on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agentId: string;
  const ids: Record<string, string> = {};

  /** Moves a task's first dispatch back in time, so its cycle time is known. */
  const startedAgo = (taskId: string, seconds: number) =>
    query(db(), "update task_activities set created_at = created_at - make_interval(secs => $2) where task_id = $1 and type = 'dispatched'", [taskId, seconds]);

  beforeAll(async () => {
    ws = await createWorkspace(db(), { name: "Page" });
    agentId = (await createAgent(db(), ws.id, { name: "Paged", autonomy_level: "autonomous" })).id;
    const other = (await createAgent(db(), ws.id, { name: "Another" })).id;
    const ada = await createUser(db(), "admin", "Ada Admin");
    const person = { type: "user" as const, id: ada.id, name: ada.name };
    const agent = { type: "agent" as const, id: agentId, name: "Paged" };

    // Reported complete by the agent, then done: two hours after its dispatch.
    const done = await createRunningTask(db(), ws.id, agentId, { title: "Reported" });
    ids.done = done.id;
    await recordUsage(db(), done.id, {
      source: "agent_api",
      dedupeKey: done.runId,
      runId: done.runId,
      usage: { model: "claude-sonnet-5", input_tokens: 1000, output_tokens: 500, cost_usd: 0.25 },
    });
    await completeTask(db(), done.id, { source: "agent_api", summary: "ok", runId: done.runId, actor: agent });
    await startedAgo(done.id, 7200);
    await updateTaskRow(db(), done.id, { status: "review" }, person);
    await updateTaskRow(db(), done.id, { status: "done" }, person);
    // A person moved it to done without the agent reporting.
    const dragged = await createRunningTask(db(), ws.id, agentId, { title: "Dragged" });
    ids.dragged = dragged.id;
    await startedAgo(dragged.id, 60);
    await updateTaskRow(db(), dragged.id, { status: "review" }, person);
    await updateTaskRow(db(), dragged.id, { status: "done" }, person);
    // Cancelled after a failed run.
    const cancelled = await createRunningTask(db(), ws.id, agentId, { title: "Dropped" });
    ids.cancelled = cancelled.id;
    await recordRunFailure(db(), cancelled.id, cancelled.runId, "tool crashed");
    await updateTaskRow(db(), cancelled.id, { status: "cancelled" }, person);
    // Running now, with usage on its run.
    const running = await createRunningTask(db(), ws.id, agentId, { title: "Under way" });
    ids.running = running.id;
    ids.runningRun = running.runId;
    await recordUsage(db(), running.id, {
      source: "gateway",
      dedupeKey: `${running.runId}:1`,
      runId: running.runId,
      usage: { model: "claude-sonnet-5", input_tokens: 200, output_tokens: 100, cost_usd: 0.02 },
    });
    // Waiting, never started; and another agent's task.
    ids.waiting = (await createTask(db(), ws.id, { title: "Waiting", status: "assigned", assigned_agent_id: agentId })).id;
    await createRunningTask(db(), ws.id, other, { title: "Not mine" });
  });

  it("says what the agent runs now: the task, its run's start, state and usage so far", async () => {
    const page = await getAgentPage(db(), agentId, { limit: 20, offset: 0 });
    expect(page.current).toHaveLength(1);
    expect(page.current[0]).toMatchObject({
      task_id: ids.running,
      title: "Under way",
      status: "in_progress",
      run_id: ids.runningRun,
      state: "running",
      started_at: expect.any(String),
      usage: { records: 1, tokens: 300, cost_usd: 0.02 },
    });
  });

  it("gives each task its outcome, cycle time and cost", async () => {
    const page = await getAgentPage(db(), agentId, { limit: 20, offset: 0 });
    expect(page.total).toBe(5);
    expect(page.counts).toEqual({ open: 2, done: 2, cancelled: 1 });
    expect(page.tasks.map((t) => t.title)).not.toContain("Not mine");
    expect(page.tasks.map((t) => t.open)).toEqual([true, true, false, false, false]);
    const byTitle = Object.fromEntries(page.tasks.map((t) => [t.title, t]));
    expect(byTitle.Reported).toMatchObject({ outcome: "done", closed_by: "Ada Admin", usage: { records: 1, tokens: 1500, cost_usd: 0.25 } });
    expect(byTitle.Reported!.cycle_s).toBeGreaterThanOrEqual(7200);
    expect(byTitle.Reported!.cycle_s).toBeLessThan(7260);
    expect(byTitle.Dragged).toMatchObject({ outcome: "done_by_person", closed_by: "Ada Admin", usage: { records: 0 } });
    expect(byTitle.Dragged!.cycle_s).toBeGreaterThanOrEqual(60);
    expect(byTitle.Dropped).toMatchObject({ outcome: "cancelled", closed_by: "Ada Admin", cycle_s: null, started_at: expect.any(String) });
    expect(byTitle["Under way"]).toMatchObject({ outcome: "open", closed_at: null, cycle_s: null, usage: { tokens: 300 } });
    expect(byTitle.Waiting).toMatchObject({ outcome: "open", started_at: null, cycle_s: null, usage: { records: 0, cost_usd: 0 } });
  });

  it("pages through the tasks and keeps the recent runs", async () => {
    const first = await getAgentPage(db(), agentId, { limit: 2, offset: 0 });
    const second = await getAgentPage(db(), agentId, { limit: 2, offset: 2 });
    const last = await getAgentPage(db(), agentId, { limit: 2, offset: 4 });
    expect([first.tasks.length, second.tasks.length, last.tasks.length]).toEqual([2, 2, 1]);
    expect(new Set([...first.tasks, ...second.tasks, ...last.tasks].map((t) => t.id)).size).toBe(5);
    expect([first.limit, second.offset, first.total]).toEqual([2, 2, 5]);
    // Out-of-range paging is clamped, never an error.
    const clamped = await getAgentPage(db(), agentId, { limit: 0, offset: -5 });
    expect([clamped.limit, clamped.offset, clamped.tasks.length]).toEqual([1, 0, 1]);
    expect(first.runs.map((r) => r.title)).toEqual(["Under way", "Dropped", "Dragged", "Reported"]);
    expect(first.runs.find((r) => r.title === "Dropped")).toMatchObject({ outcome: "failed" });
  });

  it("reads an agent with no tasks as empty", async () => {
    const idle = (await createAgent(db(), ws.id, { name: "Idle" })).id;
    const page = await getAgentPage(db(), idle, { limit: 20, offset: 0 });
    expect(page).toMatchObject({ total: 0, current: [], tasks: [], runs: [], counts: { open: 0, done: 0, cancelled: 0 } });
  });
});
