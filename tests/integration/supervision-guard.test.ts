import { beforeAll, describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, canChangeSupervision, canSetAutonomy } from "#app/domain/autonomy";
import type { Role } from "#app/domain/roles";
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
  maxSeq,
  query,
  unique,
  userActor,
} from "#tests/support/fixtures";

// The settings a task inherits its gates from — its agent's autonomy, its
// pipeline stage's level and advance gate — are lowered only by an approver
// or admin: an operator is refused and nothing changes, raising stays open,
// an approver's lowering settles the waiting requests like a task edit does,
// and every change is audited with the person. Reproduces the bypass: an
// operator turns the agent (or the stage) from hitl to hotl or autonomous and
// every gated action of its tasks stops waiting for an approver.
describe.each(TRANSPORTS)("supervision settings guard on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let gatedLow: string;
  let users: Record<"operator" | "approver" | "admin", TestUser>;

  const as = userActor;
  const setAutonomy = (agentId: string, level: string, actor: object) =>
    db().rpc<{ autonomy_level: string }>("set_agent_autonomy", { p_agent_id: agentId, p_level: level, p_actor: actor });
  const levelOf = async (agentId: string) =>
    (await query<{ autonomy_level: string }>(db(), "select autonomy_level from agents where id = $1", [agentId]))[0]!.autonomy_level;
  const approvalsOf = (taskId: string) => fixtureApprovalsOf(db(), taskId);
  const auditWhere = (key: string, id: string) =>
    query<{ kind: string; actor: { type: string; id?: string; name?: string; email?: string }; data: Record<string, unknown> }>(
      db(),
      "select kind, actor, data from audit_log where subject->>$1 = $2 order by seq",
      [key, id],
    );
  const moveTo = async (taskId: string, statuses: string[]) => {
    for (const status of statuses) await db().rpc("update_task", { p_task_id: taskId, p_fields: { status }, p_actor: SYSTEM });
  };

  /** An agent at `level` whose task waits in review for "done": a request raised by the gate. */
  const agentWithWaitingDone = async (level: string, taskTypeId: string) => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    await query(db(), "update agents set autonomy_level = $1 where id = $2", [level, agent.id]);
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: taskTypeId });
    await moveTo(task.id, ["in_progress", "review"]);
    const approval = await db().rpc<{ id: string; status: string; mode: string }>("request_done_approval", {
      p_task_id: task.id,
      p_user_id: users.operator.id,
      p_ttl_seconds: 600,
    });
    expect(approval.status).toBe("pending");
    return { agent, taskId: task.id, approval };
  };

  /** A two-stage pipeline whose first stage is at `level` with its advance gated, and a task in review there asking to advance. */
  const stageWithWaitingAdvance = async (level: string) => {
    const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
    await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [agent.id]);
    const p = await db().rpc<{ id: string }>("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: unique("pipe") }, p_actor: SYSTEM });
    const stage = await db().rpc<{ id: string; name: string }>("add_pipeline_stage", {
      p_pipeline_id: p.id,
      p_fields: { name: unique("Draft"), agent_id: agent.id, autonomy_level: level, gate_advance: true },
      p_actor: SYSTEM,
    });
    await db().rpc("add_pipeline_stage", {
      p_pipeline_id: p.id,
      p_fields: { name: "Check", agent_id: agent.id, autonomy_level: "autonomous" },
      p_actor: SYSTEM,
    });
    const task = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "t" },
      p_actor: SYSTEM,
    });
    await moveTo(task.id, ["in_progress", "review"]);
    const asked = await db().rpc<{ advanced: boolean; gate: string; approval: { id: string; mode: string } }>("request_stage_advance", {
      p_task_id: task.id,
      p_actor: SYSTEM,
      p_ttl_seconds: 600,
    });
    expect(asked).toMatchObject({ advanced: false, gate: level });
    return { stage, taskId: task.id, approvalId: asked.approval.id };
  };
  const updateStage = (stageId: string, fields: Record<string, unknown>, actor: object) =>
    db().rpc<{ name: string; autonomy_level: string; gate_advance: boolean }>("update_pipeline_stage", {
      p_stage_id: stageId,
      p_fields: fields,
      p_actor: actor,
    });
  const stageRow = async (stageId: string) =>
    (
      await query<{ name: string; autonomy_level: string; gate_advance: boolean }>(
        db(),
        "select name, autonomy_level, gate_advance from pipeline_stages where id = $1",
        [stageId],
      )
    )[0]!;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    // Low risk, autonomous by default, "done" gated: the agent's level alone decides who approves it.
    const [type] = await query<{ id: string }>(
      db(),
      "insert into task_types (key, name, risk, default_autonomy, gated_actions) values ($1, 'Gated low', 'low', 'autonomous', '{review_done}') returning id",
      [`sg_${kind}`],
    );
    gatedLow = type!.id;
    users = {
      operator: await createUser(db(), "operator", "Opal Operator"),
      approver: await createUser(db(), "approver", "Abe Approver"),
      admin: await createUser(db(), "admin", "Ada Admin"),
    };
  });

  describe("an agent's autonomy", () => {
    it("refuses an operator who lowers it, at every step, and changes nothing", async () => {
      const { agent, taskId, approval } = await agentWithWaitingDone("hitl", gatedLow);
      const before = {
        agentAudit: (await auditWhere("agent_id", agent.id)).length,
        taskAudit: (await auditWhere("task_id", taskId)).length,
        seq: await maxSeq(db()),
      };
      for (const to of ["hotl", "autonomous"]) {
        const refused = await appError(setAutonomy(agent.id, to, as(users.operator)));
        expect(refused).toMatchObject({ code: "forbidden", status: 403, details: { lowered: [{ what: "autonomy_level", from: "hitl", to }] } });
        expect(refused.message).toBe(
          `Only an approver or admin can lower the supervision of agent ${agent.name}: its autonomy would go from human in the loop to ${to === "hotl" ? "human on the loop" : "autonomous"}. Nothing was changed; ask an approver.`,
        );
        expect(refused.fieldErrors).toEqual({ autonomy_level: "Only an approver or admin can make this change" });
      }
      // Nothing changed: the level, the waiting request, the audit log, the events.
      expect(await levelOf(agent.id)).toBe("hitl");
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approval.id, status: "pending", mode: "hitl" })]);
      expect(await auditWhere("agent_id", agent.id)).toHaveLength(before.agentAudit);
      expect(await auditWhere("task_id", taskId)).toHaveLength(before.taskAudit);
      expect(await maxSeq(db())).toBe(before.seq);
      // The last step too: on the loop → autonomous.
      await query(db(), "update agents set autonomy_level = 'hotl' where id = $1", [agent.id]);
      expect(await appError(setAutonomy(agent.id, "autonomous", as(users.operator)))).toMatchObject({ code: "forbidden" });
      expect(await levelOf(agent.id)).toBe("hotl");
      // "done" still waits for an approver.
      expect(await appError(moveTo(taskId, ["done"]))).toMatchObject({ code: "conflict" });
    });

    it("takes the role from the users table, not from what the caller claims", async () => {
      const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
      const claimed = { type: "user", id: users.operator.id, name: "Abe Approver", role: "admin" };
      const [disabled] = await query<{ id: string }>(
        db(),
        "insert into users (email, name, role, password_hash, disabled_at) values ($1, 'Gone', 'admin', 'h', now()) returning id",
        [`${kind}-gone@s.test`],
      );
      for (const actor of [claimed, SYSTEM, { type: "user", name: "no id" }, { type: "user", id: disabled!.id, name: "Gone" }]) {
        expect(await appError(setAutonomy(agent.id, "autonomous", actor)), JSON.stringify(actor)).toMatchObject({ code: "forbidden" });
      }
      expect(await levelOf(agent.id)).toBe("hitl");
      expect(await appError(setAutonomy(agent.id, "yolo", as(users.admin)))).toMatchObject({
        code: "invalid",
        fieldErrors: { autonomy_level: expect.any(String) },
      });
    });

    it("lets an operator raise it, audited by name; a veto window that now needs an approver is taken away", async () => {
      // Code change with an agent on the loop: "done" runs by itself when the window closes.
      const [codeChange] = await query<{ id: string }>(db(), "select id from task_types where key = 'code_change'");
      const { agent, taskId, approval } = await agentWithWaitingDone("hotl", codeChange!.id);
      expect(approval.mode).toBe("hotl");
      await query(db(), "update approvals set veto_until = now() - interval '1 second' where id = $1", [approval.id]);
      expect((await setAutonomy(agent.id, "hitl", as(users.operator))).autonomy_level).toBe("hitl");
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approval.id, status: "pending", mode: "hitl", veto_until: null })]);
      expect(await db().rpc<unknown[]>("close_veto_windows", { p_limit: 100 })).not.toContainEqual(expect.objectContaining({ id: approval.id }));
      const [changed] = (await auditWhere("agent_id", agent.id)).filter((a) => a.kind === "agent.autonomy_changed" && a.actor.type === "user");
      expect(changed).toMatchObject({
        actor: { type: "user", id: users.operator.id, name: "Opal Operator", email: users.operator.email },
        data: { name: agent.name, from: "hotl", to: "hitl", lowered: false },
      });
      const governance = (await auditWhere("task_id", taskId)).filter((a) => a.kind === "task.governance_changed");
      expect(governance).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ name: "Opal Operator" }),
          data: expect.objectContaining({ field: "agent_autonomy", lowered: [], held_approvals: [{ id: approval.id, action: "task.review_done" }] }),
        }),
      ]);
      // Autonomous → on the loop is a raise too.
      await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [agent.id]);
      expect((await setAutonomy(agent.id, "hotl", as(users.operator))).autonomy_level).toBe("hotl");
    });

    it("lets an approver lower it: the moot request is cancelled with the reason, and the change is audited by name", async () => {
      const { agent, taskId, approval } = await agentWithWaitingDone("hitl", gatedLow);
      expect((await setAutonomy(agent.id, "autonomous", as(users.approver))).autonomy_level).toBe("autonomous");
      const [cancelled] = await approvalsOf(taskId);
      expect(cancelled).toMatchObject({ id: approval.id, status: "cancelled", decided_by: users.approver.id });
      expect(cancelled!.comment).toBe("No longer needed: Abe Approver changed what governs the task");
      const [changed] = (await auditWhere("agent_id", agent.id)).filter((a) => a.kind === "agent.autonomy_changed" && a.actor.type === "user");
      expect(changed).toMatchObject({
        actor: { type: "user", id: users.approver.id, name: "Abe Approver", email: users.approver.email },
        data: { from: "hitl", to: "autonomous", lowered: true },
      });
      const taskAudit = await auditWhere("task_id", taskId);
      expect(taskAudit.slice(-2).map((a) => [a.kind, a.actor.name])).toEqual([
        ["approval.cancelled", "Abe Approver"],
        ["task.governance_changed", "Abe Approver"],
      ]);
      expect(taskAudit.at(-1)!.data).toMatchObject({
        field: "agent_autonomy",
        lowered: [{ what: "review_done", from: "hitl", to: "allow" }],
        cancelled_approvals: [{ id: approval.id, action: "task.review_done" }],
      });
      // Done no longer needs anybody, by the approver's decision.
      await moveTo(taskId, ["done"]);
      expect((await db().rpc<{ ok: boolean }>("verify_audit_log")).ok).toBe(true);
    });

    it("decides exactly as the page's mirror (canSetAutonomy) says, for every role and step", async () => {
      const agent = await createAgent(db(), ws.id, { openclaw_agent_id: "main" });
      for (const role of ["operator", "approver", "admin"] as const) {
        for (const from of AUTONOMY_LEVELS) {
          for (const to of AUTONOMY_LEVELS) {
            await query(db(), "update agents set autonomy_level = $1 where id = $2", [from, agent.id]);
            const allowed = await setAutonomy(agent.id, to, as(users[role])).then(
              () => true,
              () => false,
            );
            expect(allowed, `${role}: ${from} → ${to}`).toBe(canSetAutonomy(role, from, to));
            expect(await levelOf(agent.id)).toBe(allowed ? to : from);
          }
        }
      }
    });
  });

  describe("a pipeline stage", () => {
    it("refuses an operator who lowers its level or ungates its advance, even with a rename alongside", async () => {
      const { stage, taskId, approvalId } = await stageWithWaitingAdvance("hitl");
      const before = { audit: (await auditWhere("stage_id", stage.id)).length, seq: await maxSeq(db()) };
      const cases: Array<[Record<string, unknown>, Record<string, string>, string]> = [
        [
          { autonomy_level: "hotl" },
          { autonomy_level: "Only an approver or admin can make this change" },
          "its autonomy would go from human in the loop to human on the loop",
        ],
        [{ gate_advance: false }, { gate_advance: "Only an approver or admin can make this change" }, "its advance to the next stage would no longer be gated"],
        [
          { name: "Renamed", autonomy_level: "autonomous", gate_advance: false },
          { autonomy_level: "Only an approver or admin can make this change", gate_advance: "Only an approver or admin can make this change" },
          "its autonomy would go from human in the loop to autonomous; its advance to the next stage would no longer be gated",
        ],
      ];
      for (const [fields, fieldErrors, what] of cases) {
        const refused = await appError(updateStage(stage.id, fields, as(users.operator)));
        expect(refused).toMatchObject({ code: "forbidden", status: 403 });
        expect(refused.message).toBe(
          `Only an approver or admin can lower the supervision of stage ${stage.name}: ${what}. Nothing was changed; ask an approver.`,
        );
        expect(refused.fieldErrors).toEqual(fieldErrors);
      }
      expect(await stageRow(stage.id)).toEqual({ name: stage.name, autonomy_level: "hitl", gate_advance: true });
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "pending", mode: "hitl" })]);
      expect(await auditWhere("stage_id", stage.id)).toHaveLength(before.audit);
      expect(await maxSeq(db())).toBe(before.seq);
      // Renaming alone is still an operator's edit.
      expect((await updateStage(stage.id, { name: "Renamed", autonomy_level: "hitl", gate_advance: true }, as(users.operator))).name).toBe("Renamed");
    });

    it("lets an operator raise it; a veto window that now needs an approver is taken away", async () => {
      const { stage, taskId, approvalId } = await stageWithWaitingAdvance("hotl");
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, mode: "hotl", veto_until: expect.anything() })]);
      expect(await updateStage(stage.id, { autonomy_level: "hitl" }, as(users.operator))).toMatchObject({ autonomy_level: "hitl", gate_advance: true });
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "pending", mode: "hitl", veto_until: null })]);
      const [changed] = await auditWhere("stage_id", stage.id).then((rows) => rows.filter((a) => a.kind === "pipeline.stage_changed"));
      expect(changed).toMatchObject({
        actor: { type: "user", id: users.operator.id, name: "Opal Operator", email: users.operator.email },
        data: { from: { autonomy_level: "hotl" }, to: { autonomy_level: "hitl" }, lowered: [] },
      });
      // An ungated autonomous stage may be gated again by anyone.
      await query(db(), "update pipeline_stages set autonomy_level = 'autonomous', gate_advance = false where id = $1", [stage.id]);
      expect(await updateStage(stage.id, { autonomy_level: "hotl", gate_advance: true }, as(users.operator))).toMatchObject({
        autonomy_level: "hotl",
        gate_advance: true,
      });
    });

    it("lets an approver ungate the advance: the waiting request is cancelled, audited by name, and the task advances", async () => {
      const { stage, taskId, approvalId } = await stageWithWaitingAdvance("hitl");
      expect(await updateStage(stage.id, { gate_advance: false }, as(users.approver))).toMatchObject({ gate_advance: false });
      expect(await approvalsOf(taskId)).toEqual([expect.objectContaining({ id: approvalId, status: "cancelled", decided_by: users.approver.id })]);
      const [changed] = (await auditWhere("stage_id", stage.id)).filter((a) => a.kind === "pipeline.stage_changed");
      expect(changed).toMatchObject({
        actor: { name: "Abe Approver", email: users.approver.email },
        data: { from: { gate_advance: true }, to: { gate_advance: false }, lowered: [{ what: "gate_advance", from: true, to: false }] },
      });
      const governance = (await auditWhere("task_id", taskId)).filter((a) => a.kind === "task.governance_changed");
      expect(governance).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ name: "Abe Approver" }),
          data: expect.objectContaining({
            field: "pipeline_stage",
            lowered: [{ what: "stage_advance", from: "hitl", to: "allow" }],
            cancelled_approvals: [{ id: approvalId, action: "task.stage_advance" }],
          }),
        }),
      ]);
      const [activity] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'governance_changed'", [
        taskId,
      ]);
      expect(activity!.message).toBe("Governance lowered: advancing it to the next stage would no longer need approval; 1 pending approval(s) cancelled");
      expect(await db().rpc("request_stage_advance", { p_task_id: taskId, p_actor: SYSTEM, p_ttl_seconds: 600 })).toMatchObject({
        advanced: true,
        gate: "allow",
      });
    });

    it("decides exactly as the page's mirror (canChangeSupervision) says, for every level and gate", async () => {
      const { stage } = await stageWithWaitingAdvance("hitl");
      const settings = AUTONOMY_LEVELS.flatMap((autonomy_level) => [true, false].map((gate_advance) => ({ autonomy_level, gate_advance })));
      for (const role of ["operator", "approver"] satisfies Role[]) {
        for (const before of settings) {
          for (const after of settings) {
            await query(db(), "update pipeline_stages set autonomy_level = $1, gate_advance = $2 where id = $3", [
              before.autonomy_level,
              before.gate_advance,
              stage.id,
            ]);
            const allowed = await updateStage(stage.id, after, as(users[role])).then(
              () => true,
              () => false,
            );
            expect(allowed, `${role}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`).toBe(canChangeSupervision(role, before, after));
            expect(await stageRow(stage.id)).toMatchObject(allowed ? after : before);
          }
        }
      }
    });
  });
});
