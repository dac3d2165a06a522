import { beforeAll, describe, expect, it } from "vitest";
import { addTaskDependency, getTaskLinks, removeTaskDependency, setTaskParent } from "#app/db/tasks.server";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, query } from "#tests/support/fixtures";

// Dependencies and subtasks in SQL (decision 044): "blocked by" links inside
// one workspace that never form a cycle (refused with the chain), a blocked
// task never claimed for dispatch (and the reason said), and parents whose
// chain never loops.
describe.each(TRANSPORTS)("task links on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let other: Workspace;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    other = await createWorkspace(db());
  });

  const task = (title: string, fields: Record<string, unknown> = {}) => createTask(db(), ws.id, { title, ...fields });
  const claim = async (taskId: string) =>
    (await db().rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 5, p_claim_seconds: 1, p_task_id: taskId })).map((t) => t.id);
  const why = async (taskId: string) => (await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: taskId })).reason;

  it("refuses a link that would close a cycle, naming the chain, and changes nothing", async () => {
    const a = await task("Write the spec");
    const b = await task("Build it");
    const c = await task("Ship it");
    await addTaskDependency(db(), b.id, a.id, SYSTEM); // b waits on a
    await addTaskDependency(db(), c.id, b.id, SYSTEM); // c waits on b
    const refused = await appError(addTaskDependency(db(), a.id, c.id, SYSTEM)); // a waits on c: a → c → b → a
    expect(refused.code).toBe("conflict");
    expect(refused.message).toBe("That would make a cycle: Write the spec → Ship it → Build it → Write the spec.");
    expect(refused.details).toMatchObject({ cycle: [a.id, c.id, b.id, a.id] });
    expect((await getTaskLinks(db(), a.id)).blocked_by).toEqual([]);
    expect((await appError(addTaskDependency(db(), a.id, a.id, SYSTEM))).code).toBe("invalid");
    // Twice is once.
    expect((await addTaskDependency(db(), b.id, a.id, SYSTEM)).added).toBe(false);
    expect(await query(db(), "select 1 from task_dependencies where task_id = $1", [b.id])).toHaveLength(1);
  });

  it("refuses links and parents across workspaces", async () => {
    const here = await task("Here");
    const there = await createTask(db(), other.id, { title: "There" });
    expect((await appError(addTaskDependency(db(), here.id, there.id, SYSTEM))).code).toBe("invalid");
    expect((await appError(setTaskParent(db(), here.id, there.id, SYSTEM))).code).toBe("invalid");
    const crossCreate = await appError(db().rpc("create_task", { p_workspace_id: ws.id, p_fields: { title: "Sub", parent_id: there.id }, p_actor: SYSTEM }));
    expect(crossCreate.code).toBe("invalid");
  });

  it("never dispatches a task while a blocker is open, says why, and dispatches it once the blocker is done or cancelled", async () => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const first = await task("Migrate the data");
    const second = await task("Switch traffic", { status: "assigned", assigned_agent_id: agent.id });
    await addTaskDependency(db(), second.id, first.id, SYSTEM);
    expect((await getTaskLinks(db(), second.id)).blocked).toBe(true);
    expect(await claim(second.id)).toEqual([]);
    expect(await why(second.id)).toBe("blocked");
    expect((await db().rpc<{ ready: number }>("count_dispatchable", {})).ready).toBe(0);
    const [row] = await query<{ card: { blocked: boolean; subtasks: unknown } }>(
      db(),
      "select task_card_json(t, null::agents) as card from tasks t where t.id = $1",
      [second.id],
    );
    expect(row!.card).toMatchObject({ blocked: true, subtasks: null });
    await query(db(), "update tasks set status = 'cancelled' where id = $1", [first.id]);
    expect((await getTaskLinks(db(), second.id)).blocked).toBe(false);
    expect(await claim(second.id)).toEqual([second.id]);
  });

  it("removes a link, and refuses removing one that is not there", async () => {
    const a = await task("A");
    const b = await task("B");
    await addTaskDependency(db(), b.id, a.id, SYSTEM);
    expect((await removeTaskDependency(db(), b.id, a.id, SYSTEM)).blocked_by).toEqual([]);
    expect((await appError(removeTaskDependency(db(), b.id, a.id, SYSTEM))).code).toBe("not_found");
    const activity = await query<{ type: string }>(
      db(),
      "select type from task_activities where task_id = $1 and type like 'dependency_%' order by created_at",
      [b.id],
    );
    expect(activity.map((x) => x.type)).toEqual(["dependency_added", "dependency_removed"]);
  });

  it("keeps subtasks under their parent with its progress, and refuses a parent chain that loops", async () => {
    const parent = await task("Launch");
    const one = (await db().rpc<{ id: string }>("create_task", { p_workspace_id: ws.id, p_fields: { title: "Docs", parent_id: parent.id }, p_actor: SYSTEM }))
      .id;
    const two = (await db().rpc<{ id: string }>("create_task", { p_workspace_id: ws.id, p_fields: { title: "Press", parent_id: parent.id }, p_actor: SYSTEM }))
      .id;
    await query(db(), "update tasks set status = 'cancelled' where id = $1", [two]);
    const links = await getTaskLinks(db(), parent.id);
    expect(links.subtasks.map((s) => s.title)).toEqual(["Docs", "Press"]);
    expect(links.progress).toEqual({ done: 0, total: 1 });
    expect((await getTaskLinks(db(), one)).parent).toMatchObject({ id: parent.id, title: "Launch" });
    const loop = await appError(setTaskParent(db(), parent.id, one, SYSTEM));
    expect(loop.code).toBe("conflict");
    expect(loop.message).toBe("That would make a cycle: Launch → Docs → Launch.");
    expect((await setTaskParent(db(), one, null, SYSTEM)).parent).toBeNull();
  });

  it("lets an agent link its own task and split it into subtasks, and nobody else's", async () => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const stranger = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const mine = await task("Mine", { status: "assigned", assigned_agent_id: agent.id });
    const blocker = await task("Blocker");
    const links = await db().rpc<{ blocked: boolean }>("agent_add_dependency", { p_agent_id: agent.id, p_task_id: mine.id, p_blocked_by_id: blocker.id });
    expect(links.blocked).toBe(true);
    const sub = await db().rpc<{ id: string; status: string }>("agent_create_subtask", {
      p_agent_id: agent.id,
      p_task_id: mine.id,
      p_fields: { title: "Part one" },
    });
    expect(sub.status).toBe("inbox");
    expect((await getTaskLinks(db(), sub.id)).parent?.id).toBe(mine.id);
    const read = await db().rpc<{ links: { subtasks: Array<{ id: string }> } }>("agent_get_task", { p_agent_id: agent.id, p_task_id: mine.id });
    expect(read.links.subtasks.map((s) => s.id)).toEqual([sub.id]);
    expect((await appError(db().rpc("agent_create_subtask", { p_agent_id: stranger.id, p_task_id: mine.id, p_fields: { title: "Not mine" } }))).code).toBe(
      "not_found",
    );
  });
});
