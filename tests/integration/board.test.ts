import { beforeAll, describe, expect, it } from "vitest";
import { TASK_STATUSES } from "#app/domain/task-status";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { SqlDatabase } from "#app/db/types";
import type { Agent } from "#app/db/agents.server";
import type { Workspace } from "#app/db/workspaces.server";
import { createAgent, createTask, createWorkspace, query, updateTask } from "#tests/support/fixtures";

type Card = { id: string; title: string; priority: string; assignee: { id: string; name: string } | null };
/** Sets updated_at in the past; the updated_at trigger is skipped for this one statement. */
async function backdate(db: SqlDatabase, id: string, minutesAgo: number): Promise<void> {
  await db.session(async (s) => {
    await s.exec("begin; set local session_replication_role = replica");
    try {
      await s.query("update tasks set updated_at = now() - make_interval(mins => $2::int) where id = $1", [id, minutesAgo]);
    } finally {
      await s.exec("commit");
    }
  });
}

type Board = { counts: Record<string, number>; columns: Record<string, Card[]> };

describe.each(RPC_TRANSPORTS)("get_board on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;
  const titles: Record<string, string> = {};

  // inbox: 4 tasks of mixed priority with controlled updated_at; done: 3; assigned: 1.
  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Ada" });
    const inbox: Array<[string, string, number]> = [
      ["low-new", "low", 1],
      ["urgent-old", "urgent", 50],
      ["normal-new", "normal", 2],
      ["normal-old", "normal", 40],
    ];
    for (const [title, priority, minutesAgo] of inbox) {
      const { id } = await createTask(db(), ws.id, { title, priority });
      titles[title] = id;
      await backdate(db(), id, minutesAgo);
    }
    for (const [i, priority] of (["urgent", "low", "normal"] as const).entries()) {
      const { id } = await createTask(db(), ws.id, { title: `done-${i}`, priority, status: "assigned", assigned_agent_id: agent.id });
      for (const status of ["in_progress", "review", "done"]) await updateTask(db(), id, { status });
      await backdate(db(), id, i * 10);
    }
    await createTask(db(), ws.id, { title: "assigned-1", status: "assigned", assigned_agent_id: agent.id });
    // Another workspace's tasks never show up.
    const other = await createWorkspace(db());
    await createTask(db(), other.id, { title: "elsewhere" });
  });

  it("counts every status, zeros included", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: ws.id });
    expect(board.counts).toEqual({ planning: 0, inbox: 4, assigned: 1, in_progress: 0, testing: 0, review: 0, done: 3, cancelled: 0 });
    expect(Object.keys(board.columns).sort()).toEqual([...TASK_STATUSES].sort());
    expect(board.columns.planning).toEqual([]);
  });

  it("orders open columns by rank: the newest task on top, whatever its priority", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: ws.id });
    expect(board.columns.inbox!.map((c) => c.title)).toEqual(["normal-old", "normal-new", "urgent-old", "low-new"]);
  });

  it("orders done by most recently updated, ignoring priority", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: ws.id });
    expect(board.columns.done!.map((c) => c.title)).toEqual(["done-0", "done-1", "done-2"]);
  });

  it("sends cards with their assignee", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: ws.id });
    expect(board.columns.assigned).toEqual([
      expect.objectContaining({ title: "assigned-1", status: "assigned", assignee: { id: agent.id, name: "Ada", emoji: "🤖", status: "standby" } }),
    ]);
    expect(board.columns.inbox![0]).toMatchObject({ id: titles["normal-old"], assignee: null, token_usage: 0, labels: [] });
  });

  it("limits each column but still counts all", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: ws.id, p_limits: { inbox: 2, done: 1 } });
    expect(board.columns.inbox!.map((c) => c.title)).toEqual(["normal-old", "normal-new"]);
    expect(board.columns.done!.map((c) => c.title)).toEqual(["done-0"]);
    expect(board.counts).toMatchObject({ inbox: 4, done: 3 });
    expect(board.columns.assigned).toHaveLength(1);
  });

  it("shows done and cancelled 20 cards by default", async () => {
    const many = await createWorkspace(db());
    for (let i = 0; i < 22; i++) await createTask(db(), many.id, { status: "planning" });
    await query(db(), "update tasks set status = 'cancelled' where workspace_id = $1", [many.id]);
    const board = await db().rpc<Board>("get_board", { p_workspace_id: many.id });
    expect(board.counts.cancelled).toBe(22);
    expect(board.columns.cancelled).toHaveLength(20);
  });

  it("answers an empty board for an unknown workspace", async () => {
    const board = await db().rpc<Board>("get_board", { p_workspace_id: crypto.randomUUID() });
    expect(Object.values(board.counts)).toEqual(TASK_STATUSES.map(() => 0));
    expect(Object.values(board.columns).flat()).toEqual([]);
  });
});
