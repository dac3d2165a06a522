import { beforeAll, describe, expect, it } from "vitest";
import { TASK_STATUSES, TRANSITIONS, type TaskStatus } from "#app/domain/task-status";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Agent } from "#app/db/agents.server";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, eventsAfter, maxSeq, query, rowCounts, updateTask } from "#tests/support/fixtures";

// A path through the state machine from inbox to each status, so tests can put
// a task anywhere without skipping the transition trigger.
const PATH_TO: Record<TaskStatus, TaskStatus[]> = {
  planning: ["planning"],
  inbox: [],
  assigned: ["assigned"],
  in_progress: ["assigned", "in_progress"],
  testing: ["assigned", "in_progress", "testing"],
  review: ["assigned", "in_progress", "review"],
  done: ["assigned", "in_progress", "review", "done"],
  cancelled: ["cancelled"],
};

describe.each(RPC_TRANSPORTS)("tasks on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;
  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Worker" });
  });

  async function taskIn(status: TaskStatus): Promise<string> {
    const { id } = await createTask(db(), ws.id, { assigned_agent_id: agent.id });
    for (const step of PATH_TO[status]) await updateTask(db(), id, { status: step });
    return id;
  }

  it("creates a task with its activity and one event", async () => {
    const seq = await maxSeq(db());
    const created = await createTask(db(), ws.id, {
      title: "  Write report  ",
      description: "Long text",
      priority: "high",
      due_at: "2026-12-31T00:00:00.000Z",
    });
    expect(created).toEqual({ id: expect.any(String), status: "inbox" });
    const task = await db().rpc<Record<string, unknown>>("get_task_by_id", { p_task_id: created.id });
    expect(task).toMatchObject({
      title: "Write report",
      description: "Long text",
      priority: "high",
      status: "inbox",
      assignee: null,
      workspace_id: ws.id,
      workspace: { id: ws.id, slug: ws.slug },
      allowed_statuses: [...TRANSITIONS.inbox].sort(),
      activities: [{ type: "created", message: "Task created", actor_type: "system", actor_name: "test" }],
      deliverables: [],
    });
    expect(new Date(task.due_at as string).toISOString()).toBe("2026-12-31T00:00:00.000Z");
    const events = await eventsAfter(db(), seq);
    expect(events.map((e) => [e.type, e.workspace_id, e.task_id, e.payload])).toEqual([
      ["task.created", ws.id, created.id, { title: "Write report", status: "inbox", priority: "high" }],
    ]);
  });

  it("creates a task assigned to an agent of the workspace", async () => {
    const { id } = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id });
    expect(await db().rpc("get_task_by_id", { p_task_id: id })).toMatchObject({
      status: "assigned",
      assignee: { id: agent.id, name: "Worker", emoji: "🤖", status: "standby" },
    });
  });

  describe("refused creates leave nothing behind", () => {
    it.each([
      ["a title over 500 characters", { title: "x".repeat(501) }, "invalid"],
      ["an empty title", { title: "   " }, "invalid"],
      ["a description over 10,000 characters", { description: "x".repeat(10_001) }, "invalid"],
      ["an unknown priority", { priority: "critical" }, "invalid"],
      ["a start in done", { status: "done" }, "invalid"],
      ["assigned without an agent", { status: "assigned" }, "invalid"],
      ["a malformed due date", { due_at: "soon" }, "invalid"],
      ["a malformed agent id", { assigned_agent_id: "agent-7" }, "invalid"],
    ])("%s", async (_label, fields, code) => {
      const before = await rowCounts(db());
      expect(await appError(createTask(db(), ws.id, fields))).toMatchObject({ code });
      expect(await rowCounts(db())).toEqual(before);
    });

    it("an assignee from another workspace", async () => {
      const other = await createWorkspace(db());
      const stranger = await createAgent(db(), other.id);
      const before = await rowCounts(db());
      const error = await appError(createTask(db(), ws.id, { assigned_agent_id: stranger.id }));
      expect(error).toMatchObject({ code: "invalid", status: 400, details: { fields: { assigned_agent_id: "Unknown agent" } } });
      expect(await rowCounts(db())).toEqual(before);
    });

    it("an unknown workspace", async () => {
      expect(await appError(createTask(db(), crypto.randomUUID()))).toMatchObject({ code: "not_found" });
    });

    it("exactly 500 title characters are fine", async () => {
      await expect(createTask(db(), ws.id, { title: "x".repeat(500) })).resolves.toMatchObject({ status: "inbox" });
    });
  });

  describe("status moves", () => {
    const pairs = TASK_STATUSES.flatMap((from) => TASK_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));

    it.each(pairs)("%s → %s follows TRANSITIONS", async (from, to) => {
      const id = await taskIn(from);
      const seq = await maxSeq(db());
      if (TRANSITIONS[from].includes(to)) {
        expect(await updateTask(db(), id, { status: to })).toEqual({ id, status: to, changed: ["status"] });
        const events = await eventsAfter(db(), seq);
        expect(events.map((e) => [e.type, e.payload.from_status, e.payload.status])).toEqual([["task.updated", from, to]]);
      } else {
        const before = await rowCounts(db());
        const error = await appError(updateTask(db(), id, { status: to }));
        expect(error).toMatchObject({ code: "conflict", status: 409, message: `A task cannot move from ${from} to ${to}.` });
        expect(error.details).toEqual({ from, to, allowed: [...TRANSITIONS[from]].sort() });
        expect(await rowCounts(db())).toEqual(before);
      }
    });

    it("logs a move with from/to and updates status_changed_at", async () => {
      const id = await taskIn("inbox");
      await query(db(), "update tasks set status_changed_at = now() - interval '1 day' where id = $1", [id]);
      const age = async () =>
        (await query<{ s: number }>(db(), "select extract(epoch from now() - status_changed_at)::float8 as s from tasks where id = $1", [id]))[0]!.s;
      expect(await age()).toBeGreaterThan(86_000);
      await updateTask(db(), id, { title: "not a move" });
      expect(await age()).toBeGreaterThan(86_000);
      await updateTask(db(), id, { status: "planning" });
      expect(await age()).toBeLessThan(60);
      const task = await db().rpc<{ activities: Array<Record<string, unknown>> }>("get_task_by_id", { p_task_id: id });
      // Found by type, not position: PGlite's clock is coarse, so consecutive
      // activities can share created_at and then order by their random id.
      expect(task.activities.filter((a) => a.type === "status_changed")).toEqual([
        expect.objectContaining({ message: "Moved from Inbox to Planning", metadata: { from: "inbox", to: "planning" } }),
      ]);
    });

    it("refuses a move to assigned or in_progress without an agent", async () => {
      const { id } = await createTask(db(), ws.id);
      const before = await rowCounts(db());
      // Caught by the table's check constraint (see the constraint-name test below).
      expect(await appError(updateTask(db(), id, { status: "assigned" }))).toMatchObject({ code: "invalid", status: 400 });
      expect(await rowCounts(db())).toEqual(before);
      const running = await taskIn("in_progress");
      expect(await appError(updateTask(db(), running, { assigned_agent_id: null }))).toMatchObject({ code: "invalid" });
    });

    it("assigns and moves in one call", async () => {
      const { id } = await createTask(db(), ws.id);
      expect(await updateTask(db(), id, { status: "assigned", assigned_agent_id: agent.id })).toEqual({
        id,
        status: "assigned",
        changed: ["assigned_agent_id", "status"],
      });
    });
  });

  // PGlite calls the field `constraint`, postgres.js `constraint_name`: both must reach details.
  it("explains a missing assignee and names a violated constraint", async () => {
    const { id } = await createTask(db(), ws.id);
    expect(await appError(updateTask(db(), id, { status: "assigned" }))).toMatchObject({
      code: "invalid",
      message: "Choose an agent before assigning the task.",
      details: { fields: { assigned_agent_id: "Required while the task is assigned or in progress" } },
    });
    const token = { hash: "a".repeat(64), hint: "dup" };
    await createAgent(db(), ws.id, {}, token);
    expect(await appError(createAgent(db(), ws.id, {}, token))).toMatchObject({
      code: "conflict",
      details: { constraint: "agents_api_token_hash_key" },
    });
  });

  describe("edits", () => {
    it("changes only the given fields, logging and emitting once", async () => {
      const { id } = await createTask(db(), ws.id, { title: "Old", priority: "low" });
      const seq = await maxSeq(db());
      const result = await updateTask(db(), id, { title: " New ", priority: "urgent" });
      expect(result).toEqual({ id, status: "inbox", changed: ["priority", "title"] });
      const task = await db().rpc<Record<string, unknown> & { activities: Array<Record<string, unknown>> }>("get_task_by_id", { p_task_id: id });
      expect(task).toMatchObject({ title: "New", priority: "urgent", description: "" });
      expect(task.activities.map((a) => a.type).sort()).toEqual(["created", "updated"]);
      expect(task.activities.find((a) => a.type === "updated")).toMatchObject({
        message: "Updated priority, title",
        metadata: { fields: ["priority", "title"] },
      });
      expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.payload.changed])).toEqual([["task.updated", ["priority", "title"]]]);
    });

    it("writes nothing when nothing changes", async () => {
      const { id } = await createTask(db(), ws.id, { title: "Same" });
      const before = await rowCounts(db());
      expect(await updateTask(db(), id, { title: "Same" })).toEqual({ id, status: "inbox", changed: [] });
      expect(await rowCounts(db())).toEqual(before);
    });

    it.each([
      ["a title over 500 characters", { title: "x".repeat(501) }, "invalid"],
      ["an unknown priority", { priority: "zero" }, "invalid"],
      ["an assignee from another workspace", "stranger", "invalid"],
    ])("refuses %s and leaves the task as it was", async (_label, fields, code) => {
      const { id } = await createTask(db(), ws.id, { title: "Keep" });
      let change = fields as Record<string, unknown>;
      if (fields === "stranger") {
        const other = await createWorkspace(db());
        change = { assigned_agent_id: (await createAgent(db(), other.id)).id };
      }
      const before = await rowCounts(db());
      expect(await appError(updateTask(db(), id, change))).toMatchObject({ code });
      expect(await rowCounts(db())).toEqual(before);
      expect(await db().rpc("get_task_by_id", { p_task_id: id })).toMatchObject({ title: "Keep", priority: "normal", assignee: null });
    });

    it("answers not_found for an unknown task", async () => {
      expect(await appError(updateTask(db(), crypto.randomUUID(), { title: "x" }))).toMatchObject({ code: "not_found" });
    });
  });

  it("deletes a task (hidden, its activities kept for the undo), emits task.deleted, and purges it after the window", async () => {
    const { id } = await createTask(db(), ws.id, { title: "Doomed" });
    const seq = await maxSeq(db());
    expect(await db().rpc("delete_task", { p_task_id: id, p_actor: SYSTEM })).toMatchObject({ id, deleted: true });
    expect(await db().rpc("get_task_by_id", { p_task_id: id })).toBeNull();
    expect(await query(db(), "select count(*)::int as n from task_activities where task_id = $1", [id])).toEqual([{ n: 1 }]);
    expect((await eventsAfter(db(), seq)).map((e) => [e.type, e.task_id, e.payload])).toEqual([["task.deleted", id, { title: "Doomed", status: "inbox" }]]);
    expect(await appError(db().rpc("delete_task", { p_task_id: id, p_actor: SYSTEM }))).toMatchObject({ code: "not_found" });
    await db().rpc("purge_deleted_tasks", { p_older_than_s: 0 });
    expect(await query(db(), "select count(*)::int as n from task_activities where task_id = $1", [id])).toEqual([{ n: 0 }]);
  });

  it("returns null for an unknown task id", async () => {
    expect(await db().rpc("get_task_by_id", { p_task_id: crypto.randomUUID() })).toBeNull();
  });

  it("reads a task with activities and deliverables, newest first", async () => {
    const { id } = await createTask(db(), ws.id);
    await db().rpc("log_task_activity", { p_task_id: id, p_type: "comment", p_message: "First note", p_metadata: { n: 1 }, p_actor: SYSTEM });
    await query(
      db(),
      `insert into task_deliverables (task_id, type, title, url, created_at) values
         ($1, 'url', 'Older', 'https://example.com/a', now() - interval '1 hour'),
         ($1, 'file', 'Newer', null, now())`,
      [id],
    );
    const task = await db().rpc<{ activities: Array<Record<string, unknown>>; deliverables: Array<Record<string, unknown>> }>("get_task_by_id", {
      p_task_id: id,
    });
    expect(task.activities.map((a) => a.type)).toEqual(expect.arrayContaining(["comment", "created"]));
    expect(task.activities.find((a) => a.type === "comment")).toMatchObject({ message: "First note", metadata: { n: 1 } });
    expect(task.deliverables.map((d) => [d.title, d.type, d.url])).toEqual([
      ["Newer", "file", null],
      ["Older", "url", "https://example.com/a"],
    ]);
  });
});
