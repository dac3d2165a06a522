import { beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, type TestUser, appError, createAgent, createTask, createUser, createWorkspace, query, userActor } from "#tests/support/fixtures";

// The stop controls in SQL (decision 035): while the emergency stop, a
// workspace's pause or an agent's pause holds, nothing is claimed for
// dispatch, whoever asks; the roles are checked in the same call that writes
// and audits; pausing names the runs to abort.
describe.each(TRANSPORTS)("stop controls on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let other: Workspace;
  let users: Record<"viewer" | "operator" | "admin", TestUser>;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    other = await createWorkspace(db());
    users = {
      viewer: await createUser(db(), "viewer", "Vera Viewer"),
      operator: await createUser(db(), "operator", "Otto Operator"),
      admin: await createUser(db(), "admin", "Ada Admin"),
    };
  });

  const readyTask = async (workspaceId: string) => {
    const agent = await createAgent(db(), workspaceId, { openclaw_agent_id: "main" });
    const task = await createTask(db(), workspaceId, { status: "assigned", assigned_agent_id: agent.id });
    return { agent, task };
  };
  const claim = async (taskId: string) =>
    (await db().rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 5, p_claim_seconds: 1, p_task_id: taskId })).map((t) => t.id);
  const release = (taskId: string) => query(db(), "update tasks set claimed_until = null where id = $1", [taskId]);
  const why = async (taskId: string) => (await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: taskId })).reason;
  const emergency = (on: boolean, user: TestUser, reason: string | null = null) =>
    db().rpc<{ changed: boolean; runs: Array<{ task_id: string; session_key: string }> }>("set_emergency_stop", {
      p_on: on,
      p_reason: reason,
      p_user_id: user.id,
    });
  const audits = (kinds: string[]) =>
    query<{ kind: string; actor: { id: string }; data: Record<string, unknown> }>(
      db(),
      "select kind, actor, data from audit_log where kind = any($1) order by seq",
      [kinds],
    );

  it("the emergency stop halts every dispatch until an admin resumes, and names the runs to abort", async () => {
    const { task } = await readyTask(ws.id);
    const running = await readyTask(other.id);
    await query(db(), "update tasks set status = 'in_progress', session_key = $2, current_run_id = 'run-1' where id = $1", [
      running.task.id,
      `agent:main:mc-task-${running.task.id}`,
    ]);

    const on = await emergency(true, users.admin, "runaway agent");
    expect(on.changed).toBe(true);
    expect(on.runs).toContainEqual(
      expect.objectContaining({ task_id: running.task.id, session_key: `agent:main:mc-task-${running.task.id}`, run_id: "run-1" }),
    );
    expect(await claim(task.id)).toEqual([]);
    expect(await why(task.id)).toBe("emergency_stop");
    expect((await db().rpc<{ ready: number }>("count_dispatchable", {})).ready).toBe(0);
    const controls = await db().rpc<{ emergency: { reason: string; by_name: string } }>("get_stop_controls", { p_workspace_id: null });
    expect(controls.emergency).toMatchObject({ reason: "runaway agent", by_name: "Ada Admin" });

    // Setting it again changes nothing and audits nothing.
    expect((await emergency(true, users.admin)).changed).toBe(false);

    const off = await emergency(false, users.admin);
    expect(off).toMatchObject({ changed: true, runs: [] });
    expect(await claim(task.id)).toEqual([task.id]);
    const rows = await audits(["installation.emergency_stop", "installation.resumed"]);
    expect(rows.map((r) => [r.kind, r.actor.id])).toEqual([
      ["installation.emergency_stop", users.admin.id],
      ["installation.resumed", users.admin.id],
    ]);
    expect(rows[0]!.data).toMatchObject({ reason: "runaway agent" });
  });

  it("only admins set or lift the emergency stop; a refusal changes nothing", async () => {
    for (const user of [users.operator, users.viewer]) {
      expect((await appError(emergency(true, user))).code).toBe("forbidden");
      expect((await appError(emergency(false, user))).code).toBe("forbidden");
    }
    const before = (await audits(["installation.emergency_stop"])).length;
    expect((await db().rpc<{ emergency: unknown }>("get_stop_controls", { p_workspace_id: null })).emergency).toBeNull();
    expect((await audits(["installation.emergency_stop"])).length).toBe(before);
    const tooLong = await appError(emergency(true, users.admin, "x".repeat(501)));
    expect(tooLong.code).toBe("invalid");
    expect((await db().rpc<{ emergency: unknown }>("get_stop_controls", { p_workspace_id: null })).emergency).toBeNull();
  });

  it("a paused workspace dispatches nothing, others go on; operators pause, viewers cannot", async () => {
    const here = await readyTask(ws.id);
    const there = await readyTask(other.id);
    expect((await appError(db().rpc("set_workspace_paused", { p_workspace_id: ws.id, p_on: true, p_abort: false, p_user_id: users.viewer.id }))).code).toBe(
      "forbidden",
    );
    expect(await claim(here.task.id)).toEqual([here.task.id]);
    await release(here.task.id);

    const paused = await db().rpc<{ changed: boolean; runs: unknown[] }>("set_workspace_paused", {
      p_workspace_id: ws.id,
      p_on: true,
      p_abort: false,
      p_user_id: users.operator.id,
    });
    expect(paused).toMatchObject({ changed: true, runs: [] });
    expect(await claim(here.task.id)).toEqual([]);
    expect(await why(here.task.id)).toBe("workspace_paused");
    expect(await claim(there.task.id)).toEqual([there.task.id]);
    const controls = await db().rpc<{ workspace_paused_at: string | null; workspace_paused_by: string }>("get_stop_controls", { p_workspace_id: ws.id });
    expect(controls.workspace_paused_at).not.toBeNull();
    expect(controls.workspace_paused_by).toBe("Otto Operator");

    await db().rpc("set_workspace_paused", { p_workspace_id: ws.id, p_on: false, p_abort: false, p_user_id: users.operator.id });
    expect(await claim(here.task.id)).toEqual([here.task.id]);
    expect((await audits(["workspace.paused", "workspace.resumed"])).map((r) => r.kind)).toEqual(["workspace.paused", "workspace.resumed"]);
  });

  it("a paused agent is dispatched nothing; pausing with abort names its live runs only", async () => {
    const { agent, task } = await readyTask(other.id);
    const busy = await createTask(db(), other.id, { status: "assigned", assigned_agent_id: agent.id });
    await query(db(), "update tasks set status = 'in_progress', session_key = 'agent:main:mc-task-busy', current_run_id = 'run-busy' where id = $1", [busy.id]);
    const elsewhere = await readyTask(other.id);
    await query(db(), "update tasks set status = 'in_progress', session_key = 'agent:main:mc-task-else' where id = $1", [elsewhere.task.id]);

    const paused = await db().rpc<{ runs: Array<{ task_id: string }> }>("set_agent_paused", {
      p_agent_id: agent.id,
      p_on: true,
      p_abort: true,
      p_user_id: users.operator.id,
    });
    expect(paused.runs.map((r) => r.task_id)).toEqual([busy.id]);
    expect(await claim(task.id)).toEqual([]);
    expect(await why(task.id)).toBe("agent_paused");
    const controls = await db().rpc<{ paused_agents: Array<{ id: string }> }>("get_stop_controls", { p_workspace_id: other.id });
    expect(controls.paused_agents.map((a) => a.id)).toEqual([agent.id]);

    // A stalled run under a stop is listed with why, so the heartbeat flags it but sends the agent nothing.
    await query(db(), "update tasks set last_activity_at = now() - interval '2 hours' where id = $1", [busy.id]);
    const stalled = await db().rpc<Array<{ id: string; halt: string | null }>>("list_stalled_tasks", { p_minutes: 30, p_limit: 50 });
    expect(stalled.find((t) => t.id === busy.id)?.halt).toBe("agent_paused");

    await db().rpc("set_agent_paused", { p_agent_id: agent.id, p_on: false, p_abort: false, p_user_id: users.operator.id });
    expect(await claim(task.id)).toEqual([task.id]);
    expect(
      (await appError(db().rpc("set_agent_paused", { p_agent_id: crypto.randomUUID(), p_on: true, p_abort: false, p_user_id: users.operator.id }))).code,
    ).toBe("not_found");
  });

  it("an abort is recorded on its task, whether it worked or not", async () => {
    const { task } = await readyTask(ws.id);
    await db().rpc("record_run_abort", { p_task_id: task.id, p_run_id: "run-9", p_ok: true, p_detail: null, p_actor: userActor(users.operator) });
    await db().rpc("record_run_abort", { p_task_id: task.id, p_run_id: "run-9", p_ok: false, p_detail: "gateway not connected", p_actor: SYSTEM });
    const rows = await query<{ type: string; message: string; actor_name: string }>(
      db(),
      "select type, message, actor_name from task_activities where task_id = $1 and type like 'run_abort%' order by created_at",
      [task.id],
    );
    expect(rows).toEqual([
      { type: "run_aborted", message: "Stopped the agent's run on the gateway", actor_name: "Otto Operator" },
      { type: "run_abort_failed", message: "Could not stop the agent's run on the gateway: gateway not connected", actor_name: "test" },
    ]);
  });
});
