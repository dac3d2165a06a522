import { beforeAll, describe, expect, it } from "vitest";
import { agentListTasks } from "#app/db/agent-api.server";
import type { Agent } from "#app/db/agents.server";
import { getBudget, recordUsage } from "#app/db/costs.server";
import { claimTasksForDispatch, countDispatchable } from "#app/db/dispatch.server";
import { countPendingApprovals, listApprovals, requestDoneApproval } from "#app/db/governance.server";
import { listExpiredLeases, listStalledTasks } from "#app/db/heartbeat.server";
import { deleteTask, getBoard, getNeedsYou, getTask, purgeDeletedTasks, restoreTask } from "#app/db/tasks.server";
import type { Workspace } from "#app/db/workspaces.server";
import { deleteWorkspace } from "#app/db/workspaces.server";
import { DELETED_TASK_UNDO_S } from "#app/domain/toast";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createAgent, createRunningTask, createUser, createTask, createWorkspace, query, taskRow, updateTask } from "#tests/support/fixtures";

// A deleted task is hidden everywhere for the undo window, comes back exactly
// as it was, and is purged after the window; its spend keeps counting.

describe.each(TRANSPORTS)("deleting and restoring tasks on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;
  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Worker", openclaw_agent_id: "main" });
  });

  const onBoard = async (id: string) => Object.values((await getBoard(db(), ws.id)).columns).some((cards) => cards.some((c) => c.id === id));
  const childRows = async (id: string) =>
    Promise.all(
      ["task_activities", "task_deliverables", "approvals", "usage_records"].map(async (table) =>
        Number((await query<{ n: string }>(db(), `select count(*) as n from ${table} where task_id = $1`, [id]))[0]!.n),
      ),
    );

  it("hides a deleted task from the board, the task page, agents, dispatch, the heartbeat and the inbox", async () => {
    const ready = await createTask(db(), ws.id, { title: "Ready to go", status: "assigned", assigned_agent_id: agent.id });
    const running = await createRunningTask(db(), ws.id, agent.id, { title: "Running late" });
    // Stalled and past its lease, so the heartbeat would act on it.
    await query(db(), "update tasks set last_activity_at = now() - interval '2 hours', lease_expires_at = now() - interval '1 minute' where id = $1", [
      running.id,
    ]);
    const careful = await createAgent(db(), ws.id, { name: "Careful" });
    await query(db(), "update agents set autonomy_level = 'hitl' where id = $1", [careful.id]);
    const [codeChange] = await query<{ id: string }>(db(), "select id from task_types where key = 'code_change'");
    const review = await createTask(db(), ws.id, { title: "Awaiting", status: "assigned", assigned_agent_id: careful.id, task_type_id: codeChange!.id });
    for (const status of ["in_progress", "review"]) await updateTask(db(), review.id, { status });
    const asker = await createUser(db(), "operator", "Asker");
    await requestDoneApproval(db(), review.id, asker.id, 3600);
    const boardCount = (await getBoard(db(), ws.id)).counts;
    const pendingBefore = (await countPendingApprovals(db())).pending;
    expect(await onBoard(ready.id)).toBe(true);

    for (const id of [ready.id, running.id, review.id]) await deleteTask(db(), id, SYSTEM);

    for (const id of [ready.id, running.id, review.id]) {
      expect(await onBoard(id), id).toBe(false);
      expect(await getTask(db(), id)).toBeNull();
    }
    const counts = (await getBoard(db(), ws.id)).counts;
    expect(counts.assigned).toBe(boardCount.assigned! - 1);
    expect(counts.in_progress).toBe(boardCount.in_progress! - 1);
    expect(counts.review).toBe(boardCount.review! - 1);
    expect((await getNeedsYou(db(), ws.id, 20)).map((t) => t.id)).not.toContain(review.id);
    expect((await agentListTasks(db(), agent.id)).map((t) => t.id)).toEqual([]);
    expect(await claimTasksForDispatch(db(), 10, 60, ready.id)).toEqual([]);
    expect(await claimTasksForDispatch(db(), 10, 60)).toEqual([]);
    expect((await countDispatchable(db())).ready).toBe(0);
    expect((await listStalledTasks(db(), 30, 10)).map((t) => t.id)).not.toContain(running.id);
    expect((await listExpiredLeases(db(), 10)).map((t) => t.id)).not.toContain(running.id);
    expect((await listApprovals(db(), "pending", 50)).map((a) => a.task_id)).not.toContain(review.id);
    expect((await countPendingApprovals(db())).pending).toBe(pendingBefore - 1);
    // A deleted task cannot be edited or deleted again.
    expect((await appError(updateTask(db(), ready.id, { title: "Edited" }))).code).toBe("not_found");
    expect((await appError(deleteTask(db(), ready.id, SYSTEM))).code).toBe("not_found");

    // Restored, they are back where they were, and the machinery sees them again.
    for (const id of [ready.id, running.id, review.id]) await restoreTask(db(), id, ws.id, SYSTEM);
    expect((await getBoard(db(), ws.id)).counts).toEqual(boardCount);
    expect((await countPendingApprovals(db())).pending).toBe(pendingBefore);
    expect((await listStalledTasks(db(), 30, 10)).map((t) => t.id)).toContain(running.id);
    expect((await claimTasksForDispatch(db(), 10, 60, ready.id)).map((t) => t.id)).toEqual([ready.id]);
  });

  it("restores exactly what was deleted: the row and everything attached to it", async () => {
    const task = await createRunningTask(db(), ws.id, agent.id, { title: "Keep me whole" });
    await recordUsage(db(), task.id, {
      source: "agent_api",
      dedupeKey: "u1",
      runId: task.runId,
      usage: { model: "gpt-4o", input_tokens: 1000, output_tokens: 500, cost_usd: 1.25 },
    });
    await query(db(), "insert into task_deliverables (task_id, type, title, url) values ($1, 'url', 'Report', 'https://example.test/r')", [task.id]);
    const row = await taskRow(db(), task.id);
    const children = await childRows(task.id);
    const spent = (await getBudget(db(), "workspace", ws.id)).spent_total_usd;

    const deleted = await deleteTask(db(), task.id, SYSTEM);
    expect(deleted.deleted).toBe(true);
    // While deleted, its usage still counts toward the workspace's spend.
    expect((await getBudget(db(), "workspace", ws.id)).spent_total_usd).toBe(spent);
    await restoreTask(db(), task.id, ws.id, SYSTEM);

    expect(await taskRow(db(), task.id)).toEqual(row);
    expect(await childRows(task.id)).toEqual(children);
    const audit = await query<{ kind: string }>(db(), "select kind from audit_log where subject->>'task_id' = $1 order by seq", [task.id]);
    expect(audit.map((a) => a.kind).slice(-2)).toEqual(["task.deleted", "task.restored"]);
    const events = await query<{ type: string }>(db(), "select type from events where task_id = $1 order by seq desc limit 2", [task.id]);
    expect(events.map((e) => e.type)).toEqual(["task.restored", "task.deleted"]);
  });

  it("refuses a restore that has nothing to restore, and changes nothing", async () => {
    const task = await createTask(db(), ws.id, { title: "Alive" });
    expect((await appError(restoreTask(db(), task.id, ws.id, SYSTEM))).code).toBe("conflict");
    const other = await createWorkspace(db());
    await deleteTask(db(), task.id, SYSTEM);
    // Only from its own workspace.
    expect((await appError(restoreTask(db(), task.id, other.id, SYSTEM))).code).toBe("not_found");
    expect((await appError(restoreTask(db(), "00000000-0000-4000-8000-000000000000", ws.id, SYSTEM))).code).toBe("not_found");
    expect((await taskRow(db(), task.id)).deleted_at).not.toBeNull();
  });

  it("purges deleted tasks after the undo window, keeping their spend in the ledger", async () => {
    const task = await createRunningTask(db(), ws.id, agent.id, { title: "Gone for good" });
    await recordUsage(db(), task.id, {
      source: "agent_api",
      dedupeKey: "p1",
      runId: task.runId,
      usage: { model: "gpt-4o", input_tokens: 10, output_tokens: 5, cost_usd: 0.5 },
    });
    const fresh = await createTask(db(), ws.id, { title: "Just deleted" });
    await deleteTask(db(), task.id, SYSTEM);
    await deleteTask(db(), fresh.id, SYSTEM);
    const spent = (await getBudget(db(), "workspace", ws.id)).spent_total_usd;
    await query(db(), "update tasks set deleted_at = now() - make_interval(secs => $2) where id = $1", [task.id, DELETED_TASK_UNDO_S + 60]);

    expect(await purgeDeletedTasks(db(), DELETED_TASK_UNDO_S)).toBe(1);
    expect(await query(db(), "select id from tasks where id = $1", [task.id])).toEqual([]);
    expect(await query(db(), "select id from task_activities where task_id = $1", [task.id])).toEqual([]);
    expect((await taskRow(db(), fresh.id)).deleted_at).not.toBeNull();
    const ledger = await query<{ task_id: string | null; cost_usd: string }>(db(), "select task_id, cost_usd from usage_records where dedupe_key = 'p1'");
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.task_id).toBeNull();
    expect((await getBudget(db(), "workspace", ws.id)).spent_total_usd).toBe(spent);
    expect((await appError(restoreTask(db(), task.id, ws.id, SYSTEM))).message).toContain("undo window has passed");
    expect(await purgeDeletedTasks(db(), DELETED_TASK_UNDO_S)).toBe(0);
  });

  it("lets a workspace whose only tasks are deleted go, with them", async () => {
    const empty = await createWorkspace(db());
    const task = await createTask(db(), empty.id, { title: "Last one" });
    expect((await appError(deleteWorkspace(db(), empty.id, SYSTEM))).code).toBe("conflict");
    await deleteTask(db(), task.id, SYSTEM);
    await deleteWorkspace(db(), empty.id, SYSTEM);
    expect(await query(db(), "select id from tasks where id = $1", [task.id])).toEqual([]);
  });
});
