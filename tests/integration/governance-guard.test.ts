import { beforeAll, describe, expect, it } from "vitest";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import {
  SYSTEM,
  type TestUser,
  appError,
  approvalsOf as fixtureApprovalsOf,
  createAgent,
  createTask,
  createUser,
  createWorkspace,
  query,
  userActor,
} from "#tests/support/fixtures";

// Lowering what governs a task — its type, or its agent once work started —
// is an approver's act: an operator is refused and nothing changes; an
// approver's change cancels the requests it made moot, keeps the others, and
// is audited with the approver's name. Reproduces the gate bypass: edit a
// Deploy task to General, then mark it done (or let it dispatch).
describe.each(TRANSPORTS)("governance guard on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let types: Record<string, string>;
  let operator: TestUser;
  let approver: TestUser;

  const as = userActor;
  const update = (taskId: string, fields: Record<string, unknown>, actor: object) =>
    db().rpc<{ changed: string[] }>("update_task", { p_task_id: taskId, p_fields: fields, p_actor: actor });
  const taskRow = async (id: string) =>
    (
      await query<{ status: string; task_type_id: string | null; assigned_agent_id: string | null }>(
        db(),
        "select status, task_type_id, assigned_agent_id from tasks where id = $1",
        [id],
      )
    )[0]!;
  const approvalsOf = (taskId: string) => fixtureApprovalsOf(db(), taskId);
  const auditOf = (taskId: string) =>
    query<{ kind: string; actor: { type: string; id?: string; name?: string; email?: string }; data: Record<string, unknown> }>(
      db(),
      "select kind, actor, data from audit_log where subject->>'task_id' = $1 order by seq",
      [taskId],
    );
  const activityCount = async (taskId: string) =>
    (await query<{ n: number }>(db(), "select count(*)::int as n from task_activities where task_id = $1", [taskId]))[0]!.n;
  const claim = (taskId: string) => db().rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 10, p_claim_seconds: 60, p_task_id: taskId });

  /** A Deploy task in review whose "done" waits for an approver, asked by the operator. */
  const deployInReview = async () => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    for (const status of ["in_progress", "review"]) await update(task.id, { status }, SYSTEM);
    const approval = await db().rpc<{ id: string; status: string }>("request_done_approval", {
      p_task_id: task.id,
      p_user_id: operator.id,
      p_ttl_seconds: 600,
    });
    expect(approval.status).toBe("pending");
    return { taskId: task.id, agentId: agent.id, approvalId: approval.id };
  };

  /** A Deploy task ready to dispatch, its dispatch waiting for an approver. */
  const deployAwaitingDispatch = async () => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    const requested = await db().rpc<Array<{ task_id: string; approval_id: string }>>("request_gated_dispatches", { p_limit: 100, p_ttl_seconds: 600 });
    const mine = requested.find((r) => r.task_id === task.id);
    expect(mine).toBeDefined();
    expect(await claim(task.id)).toEqual([]);
    return { taskId: task.id, approvalId: mine!.approval_id };
  };

  beforeAll(async () => {
    ws = await createWorkspace(db());
    types = Object.fromEntries((await query<{ id: string; key: string }>(db(), "select id, key from task_types")).map((r) => [r.key, r.id]));
    operator = await createUser(db(), "operator", "Opal Operator");
    approver = await createUser(db(), "approver", "Abe Approver");
  });

  it("refuses an operator who turns a Deploy task in review into General: done still needs the approver", async () => {
    const { taskId, approvalId } = await deployInReview();
    const before = { activities: await activityCount(taskId), audit: (await auditOf(taskId)).length };
    const refused = await appError(update(taskId, { task_type_id: null, title: "Ship it" }, as(operator)));
    expect(refused).toMatchObject({ code: "forbidden", status: 403 });
    expect(refused.message).toContain("Only an approver or admin can lower this task's governance");
    expect(refused.message).toContain("marking it done would no longer need approval");
    expect(refused.fieldErrors).toEqual({ task_type_id: "Only an approver or admin can make this change" });
    // Nothing changed: type, title, the request, the activity, the audit log.
    expect((await taskRow(taskId)).task_type_id).toBe(types.deploy);
    expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "pending" })]);
    expect(await activityCount(taskId)).toBe(before.activities);
    expect(await auditOf(taskId)).toHaveLength(before.audit);
    // And the bypass itself stays closed.
    expect(await appError(update(taskId, { status: "done" }, as(operator)))).toMatchObject({
      code: "conflict",
      details: { needs_approval: "task.review_done" },
    });
  });

  it("takes the role from the users table, not from what the caller claims", async () => {
    const { taskId } = await deployInReview();
    const claimed = { type: "user", id: operator.id, name: "Abe Approver", role: "admin" };
    expect(await appError(update(taskId, { task_type_id: types.research }, claimed))).toMatchObject({ code: "forbidden" });
    expect(await appError(update(taskId, { task_type_id: types.research }, SYSTEM))).toMatchObject({ code: "forbidden" });
    expect(await appError(update(taskId, { task_type_id: null }, { type: "user", name: "no id" }))).toMatchObject({ code: "forbidden" });
    const [disabled] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash, disabled_at) values ($1, 'Gone', 'admin', 'h', now()) returning id",
      [`${kind}-gone@g.test`],
    );
    expect(await appError(update(taskId, { task_type_id: null }, { type: "user", id: disabled!.id, name: "Gone" }))).toMatchObject({ code: "forbidden" });
    expect((await taskRow(taskId)).task_type_id).toBe(types.deploy);
  });

  it("lets an approver lower it: the moot request is cancelled with the reason, and the change is audited by name", async () => {
    const { taskId, approvalId } = await deployInReview();
    expect((await update(taskId, { task_type_id: null }, as(approver))).changed).toEqual(["task_type_id"]);
    const [approval] = await approvalsOf(taskId);
    expect(approval).toMatchObject({ id: approvalId, status: "cancelled", decided_by: approver.id });
    expect(approval!.comment).toContain("No longer needed: Abe Approver changed what governs the task");
    // Nothing is left dangling in the inbox.
    expect(await db().rpc<Array<{ id: string }>>("list_approvals", { p_status: "pending", p_limit: 200 })).not.toContainEqual(
      expect.objectContaining({ id: approvalId }),
    );
    const audit = await auditOf(taskId);
    expect(audit.map((a) => a.kind)).toEqual(["approval.cancelled", "task.governance_changed"]);
    for (const a of audit) expect(a.actor).toMatchObject({ type: "user", id: approver.id, name: "Abe Approver", email: approver.email });
    expect(audit[1]!.data).toMatchObject({
      field: "task_type_id",
      from: { task_type: "deploy", risk: "high", gates: { review_done: "hitl", dispatch: "hitl" } },
      to: { task_type: null, risk: "low", gates: { review_done: "allow", dispatch: "allow" } },
      lowered: expect.arrayContaining([
        { what: "review_done", from: "hitl", to: "allow" },
        { what: "risk", from: "high", to: "low" },
      ]),
      cancelled_approvals: [{ id: approvalId, action: "task.review_done" }],
    });
    const [activity] = await query<{ message: string; actor_name: string }>(
      db(),
      "select message, actor_name from task_activities where task_id = $1 and type = 'governance_changed'",
      [taskId],
    );
    expect(activity).toEqual({ message: expect.stringContaining("1 pending approval(s) cancelled"), actor_name: "Abe Approver" });
    // The task is General now: done is no longer gated, by the approver's decision.
    await update(taskId, { status: "done" }, as(operator));
    expect((await taskRow(taskId)).status).toBe("done");
    expect((await db().rpc<{ ok: boolean }>("verify_audit_log")).ok).toBe(true);
  });

  it("refuses an operator who removes a Deploy task's dispatch gate, and holds the dispatch", async () => {
    const { taskId, approvalId } = await deployAwaitingDispatch();
    // Outbound message is high risk too, but does not gate dispatch: still a lowering.
    for (const to of [null, types.outbound_message]) {
      const refused = await appError(update(taskId, { task_type_id: to }, as(operator)));
      expect(refused).toMatchObject({ code: "forbidden" });
      expect(refused.message).toContain("dispatching it would no longer need approval");
    }
    expect((await taskRow(taskId)).task_type_id).toBe(types.deploy);
    expect(await claim(taskId)).toEqual([]);
    expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "pending" })]);
  });

  it("lets an approver remove the dispatch gate: the pending dispatch request is cancelled and the task dispatches", async () => {
    const { taskId, approvalId } = await deployAwaitingDispatch();
    await update(taskId, { task_type_id: types.outbound_message }, as(approver));
    expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "cancelled", decided_by: approver.id })]);
    expect((await claim(taskId)).map((t) => t.id)).toEqual([taskId]);
    const audit = await auditOf(taskId);
    expect(audit.map((a) => [a.kind, a.actor.name])).toEqual([
      ["approval.cancelled", "Abe Approver"],
      ["task.governance_changed", "Abe Approver"],
    ]);
    expect(audit[1]!.data).toMatchObject({ lowered: [{ what: "dispatch", from: "hitl", to: "allow" }], to: { task_type: "outbound_message", risk: "high" } });
  });

  it("keeps a request that still applies, and takes the veto window from one that now needs an approver", async () => {
    // Deploy → Outbound message (approver): done is still gated, so its request stays and decides.
    const kept = await deployInReview();
    await update(kept.taskId, { task_type_id: types.outbound_message }, as(approver));
    expect(await approvalsOf(kept.taskId)).toEqual([expect.objectContaining({ id: kept.approvalId, status: "pending", mode: "hitl" })]);
    expect(await appError(update(kept.taskId, { status: "done" }, as(operator)))).toMatchObject({ code: "conflict" });

    // Code change with a hotl agent: done runs when the veto window closes. Raised to Deploy (any
    // operator may raise): the same request now waits for an approver and never runs by itself.
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    await query(db(), "update agents set autonomy_level = 'hotl' where id = $1", [agent.id]);
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.code_change });
    for (const status of ["in_progress", "review"]) await update(task.id, { status }, SYSTEM);
    const veto = await db().rpc<{ id: string; mode: string; veto_until: string }>("request_done_approval", {
      p_task_id: task.id,
      p_user_id: operator.id,
      p_ttl_seconds: 600,
    });
    expect(veto.mode).toBe("hotl");
    // The window has run out, but no heartbeat closed it yet.
    await query(db(), "update approvals set veto_until = now() - interval '1 second' where id = $1", [veto.id]);
    await update(task.id, { task_type_id: types.deploy }, as(operator));
    expect(await approvalsOf(task.id)).toEqual([expect.objectContaining({ id: veto.id, status: "pending", mode: "hitl", veto_until: null })]);
    expect(await db().rpc<unknown[]>("close_veto_windows", { p_limit: 100 })).not.toContainEqual(expect.objectContaining({ id: veto.id }));
    expect((await taskRow(task.id)).status).toBe("review");
    expect((await auditOf(task.id)).map((a) => [a.kind, a.actor.name])).toEqual([["task.governance_changed", "Opal Operator"]]);
  });

  it("lets an operator choose the agent before work starts, not swap in a less supervised one after", async () => {
    const strict = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    const loose = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    await query(db(), "update agents set autonomy_level = 'hotl' where id = $1", [loose.id]);
    const task = await createTask(db(), ws.id, { status: "inbox", assigned_agent_id: strict.id, task_type_id: types.code_change });
    // In the inbox: picking the agent is part of writing the task.
    await update(task.id, { assigned_agent_id: loose.id }, as(operator));
    await update(task.id, { assigned_agent_id: strict.id, status: "assigned" }, as(operator));
    // Assigned: a swap that would turn "done needs an approver" into a veto window is an approver's call.
    const refused = await appError(update(task.id, { assigned_agent_id: loose.id }, as(operator)));
    expect(refused).toMatchObject({ code: "forbidden" });
    expect(refused.fieldErrors).toEqual({ assigned_agent_id: "Only an approver or admin can make this change" });
    expect(refused.message).toContain("marking it done would get a veto window instead of an approver");
    // The same through the dispatch panel's "reassign and retry".
    const retried = await appError(db().rpc("retry_dispatch", { p_task_id: task.id, p_agent_id: loose.id, p_actor: as(operator) }));
    expect(retried).toMatchObject({ code: "forbidden", details: { fields: { agent_id: "Only an approver or admin can make this change" } } });
    expect((await taskRow(task.id)).assigned_agent_id).toBe(strict.id);
    await db().rpc("retry_dispatch", { p_task_id: task.id, p_agent_id: loose.id, p_actor: as(approver) });
    expect((await taskRow(task.id)).assigned_agent_id).toBe(loose.id);
    const governance = (await auditOf(task.id)).filter((a) => a.kind === "task.governance_changed");
    expect(governance.map((a) => [a.actor.name, (a.data as { field: string }).field])).toEqual([
      ["Opal Operator", "assigned_agent_id"],
      ["Abe Approver", "agent_id"],
    ]);
  });

  it("settles waiting requests when an admin edits the task type itself", async () => {
    const [type] = await query<{ id: string }>(
      db(),
      "insert into task_types (key, name, risk, default_autonomy, gated_actions) values ($1, 'Gated low', 'low', 'hitl', '{review_done}') returning id",
      [`gl_${kind}`],
    );
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [agent.id]);
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: type!.id });
    for (const status of ["in_progress", "review"]) await update(task.id, { status }, SYSTEM);
    const approval = await db().rpc<{ id: string }>("request_done_approval", { p_task_id: task.id, p_user_id: operator.id, p_ttl_seconds: 600 });
    const [admin] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ($1, 'Ada Admin', 'admin', 'h') returning id",
      [`${kind}-ada@g.test`],
    );
    await db().rpc("update_task_type", {
      p_id: type!.id,
      p_fields: { default_autonomy: "autonomous" },
      p_actor: { type: "user", id: admin!.id, name: "Ada Admin" },
    });
    expect(await approvalsOf(task.id)).toEqual([expect.objectContaining({ id: approval.id, status: "cancelled", decided_by: admin!.id })]);
    expect((await auditOf(task.id)).map((a) => a.kind)).toEqual(["approval.cancelled", "task.governance_changed"]);
  });
});
