import { beforeAll, describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, RISKS } from "#app/domain/autonomy";
import { effectiveLevel } from "#tests/support/autonomy-policy";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, createAgent, createTask, createWorkspace, query, unique } from "#tests/support/fixtures";

// The database enforces the same policy the domain computes, and gated
// actions run once when approved.
describe.each(TRANSPORTS)("gates on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let types: Record<string, string>;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    types = Object.fromEntries((await query<{ id: string; key: string }>(db(), "select id, key from task_types")).map((r) => [r.key, r.id]));
  });

  it("computes the effective level exactly as app/domain/autonomy.ts", async () => {
    const levels = [null, ...AUTONOMY_LEVELS];
    const cases = AUTONOMY_LEVELS.flatMap((agent) => levels.flatMap((type) => levels.flatMap((stage) => RISKS.map((risk) => ({ agent, type, stage, risk })))));
    const rows = await query<{ i: number; level: string }>(
      db(),
      `select i, effective_autonomy(c->>'agent', c->>'type', c->>'stage', c->>'risk') as level
       from jsonb_array_elements($1::text::jsonb) with ordinality as x(c, i)`,
      [JSON.stringify(cases)],
    );
    expect(rows).toHaveLength(cases.length);
    for (const row of rows) {
      const c = cases[row.i - 1]!;
      expect(row.level, JSON.stringify(c)).toBe(effectiveLevel({ agent: c.agent, taskType: c.type, stage: c.stage, risk: c.risk }));
    }
  });

  it("holds a gated dispatch until it is approved, then lets the claim take it", async () => {
    const agent = await createAgent(db(), ws.id, { name: "Deployer", openclaw_agent_id: "main" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    const claim = () => db().rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 10, p_claim_seconds: 60, p_task_id: task.id });
    expect(await claim()).toEqual([]);
    expect((await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: task.id })).reason).toBe("needs_approval");
    const requested = await db().rpc<Array<{ task_id: string; approval_id: string; mode: string }>>("request_gated_dispatches", {
      p_limit: 10,
      p_ttl_seconds: 600,
    });
    expect(requested).toEqual([expect.objectContaining({ task_id: task.id, mode: "hitl" })]);
    expect(await db().rpc("request_gated_dispatches", { p_limit: 10, p_ttl_seconds: 600 })).toEqual([]);
    const [approver] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ($1, 'Appr', 'approver', 'h') returning id",
      [`${kind}-appr@a.test`],
    );
    const [a] = await query<{ digest: string }>(db(), "select digest from approvals where id = $1", [requested[0]!.approval_id]);
    await db().rpc("decide_approval", {
      p_approval_id: requested[0]!.approval_id,
      p_decision: "approved",
      p_user_id: approver!.id,
      p_digest: a!.digest,
      p_comment: "",
    });
    expect((await claim()).map((t) => t.id)).toEqual([task.id]);
  });

  it("refuses review → done on a gated type until approved, then applies it once on approval", async () => {
    const agent = await createAgent(db(), ws.id, { name: "Coder", openclaw_agent_id: "main" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.code_change });
    for (const status of ["in_progress", "review"]) await db().rpc("update_task", { p_task_id: task.id, p_fields: { status }, p_actor: SYSTEM });
    await expect(db().rpc("update_task", { p_task_id: task.id, p_fields: { status: "done" }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "conflict",
      details: { needs_approval: "task.review_done" },
    });
    const [op] = await query<{ id: string }>(db(), "insert into users (email, name, role, password_hash) values ($1, 'Op', 'approver', 'h') returning id", [
      `${kind}-op@a.test`,
    ]);
    const [other] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ($1, 'Other', 'approver', 'h') returning id",
      [`${kind}-other@a.test`],
    );
    const approval = await db().rpc<{ id: string; digest: string; status: string }>("request_done_approval", {
      p_task_id: task.id,
      p_user_id: op!.id,
      p_ttl_seconds: 600,
    });
    expect(approval.status).toBe("pending");
    expect((await db().rpc<{ id: string }>("request_done_approval", { p_task_id: task.id, p_user_id: op!.id, p_ttl_seconds: 600 })).id).toBe(approval.id);
    await expect(
      db().rpc("decide_approval", { p_approval_id: approval.id, p_decision: "approved", p_user_id: op!.id, p_digest: approval.digest, p_comment: "" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await db().rpc("decide_approval", { p_approval_id: approval.id, p_decision: "approved", p_user_id: other!.id, p_digest: approval.digest, p_comment: "" });
    const [row] = await query<{ status: string }>(db(), "select status from tasks where id = $1", [task.id]);
    expect(row!.status).toBe("done");
    const done = await query(db(), "select 1 from task_activities where task_id = $1 and type = 'status_changed' and metadata->>'to' = 'done'", [task.id]);
    expect(done).toHaveLength(1);
  });

  it("lets ungated and autonomous work through without any approval", async () => {
    const agent = await createAgent(db(), ws.id, { name: "Free", openclaw_agent_id: "main", autonomy_level: "autonomous" });
    await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [agent.id]);
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: types.research });
    for (const status of ["in_progress", "review", "done"]) await db().rpc("update_task", { p_task_id: task.id, p_fields: { status }, p_actor: SYSTEM });
    expect(await query(db(), "select 1 from approvals where task_id = $1", [task.id])).toEqual([]);
  });

  it("lets a standing grant carry a low-risk gated dispatch through rework, and not a medium-risk one", async () => {
    const [low] = await query<{ id: string }>(
      db(),
      "insert into task_types (key, name, risk, default_autonomy, gated_actions) values ('grant_low', 'Low gated', 'low', 'hitl', '{dispatch}') returning id",
    );
    const agent = await createAgent(db(), ws.id, { name: "Granted", openclaw_agent_id: "main" });
    const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: low!.id });
    const [approver] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ($1, 'G', 'approver', 'h') returning id",
      [`${kind}-grant@a.test`],
    );
    const claim = () => db().rpc<Array<{ id: string }>>("claim_tasks_for_dispatch", { p_limit: 10, p_claim_seconds: 60, p_task_id: task.id });
    const requested = await db().rpc<Array<{ task_id: string; approval_id: string }>>("request_gated_dispatches", { p_limit: 10, p_ttl_seconds: 600 });
    const mine = requested.find((r) => r.task_id === task.id)!;
    const [a] = await query<{ digest: string }>(db(), "select digest from approvals where id = $1", [mine.approval_id]);
    const decided = await db().rpc<{ status: string; grant: boolean }>("decide_approval_with_grant", {
      p_approval_id: mine.approval_id,
      p_user_id: approver!.id,
      p_digest: a!.digest,
      p_comment: "",
    });
    expect(decided).toMatchObject({ status: "approved", grant: true });
    expect((await claim()).map((t) => t.id)).toEqual([task.id]);

    // Rework: back to assigned, a new status round. The grant still lets it go, no new request.
    await query(db(), "update tasks set status = 'in_progress', claimed_until = null where id = $1", [task.id]);
    await query(db(), "update tasks set status = 'assigned' where id = $1", [task.id]);
    expect((await db().rpc<Array<{ task_id: string }>>("request_gated_dispatches", { p_limit: 10, p_ttl_seconds: 600 })).map((r) => r.task_id)).not.toContain(
      task.id,
    );
    expect((await claim()).map((t) => t.id)).toEqual([task.id]);

    // The same grant pauses when the task's type is raised above low risk.
    await query(db(), "update tasks set status = 'in_progress', claimed_until = null where id = $1", [task.id]);
    await query(db(), "update tasks set status = 'assigned' where id = $1", [task.id]);
    await query(db(), "update task_types set risk = 'medium' where id = $1", [low!.id]);
    expect(await claim()).toEqual([]);
    expect(await db().rpc("list_standing_grants", { p_task_id: task.id })).toEqual([expect.objectContaining({ action: "task.dispatch", honoured: false })]);
  });

  describe("an agent's action request, decided in SQL", () => {
    let approver: string;
    beforeAll(async () => {
      [{ id: approver }] = (await query<{ id: string }>(
        db(),
        "insert into users (email, name, role, password_hash) values ($1, 'Req', 'approver', 'h') returning id",
        [`${kind}-req@a.test`],
      )) as [{ id: string }];
    });

    async function taskFor(level: string, typeKey: string | null, status = "in_progress") {
      const agent = await createAgent(db(), ws.id, { name: unique("asker"), openclaw_agent_id: "main" });
      await query(db(), "update agents set autonomy_level = $2 where id = $1", [agent.id, level]);
      const task = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, task_type_id: typeKey ? types[typeKey] : null });
      const path: Record<string, string[]> = { in_progress: ["in_progress"], done: ["in_progress", "review", "done"], cancelled: ["cancelled"] };
      for (const step of path[status]!) await query(db(), "update tasks set status = $2 where id = $1", [task.id, step]);
      return { agent, task };
    }
    const ask = (agentId: string, taskId: string, action = "deploy.web", digest = "c".repeat(64)) =>
      db().rpc<{ id: string; status: string; mode: string; by: string | null; veto_until: string | null; existing: boolean; level: string }>(
        "agent_request_action",
        {
          p_agent_id: agentId,
          p_task_id: taskId,
          p_action: action,
          p_args: { env: "prod" },
          p_target: "web-1",
          p_reason: "ship",
          p_digest: digest,
          p_ttl_seconds: 600,
        },
      );

    it("follows task_gate for every agent level and task type, as every other gate does", async () => {
      for (const level of AUTONOMY_LEVELS) {
        for (const typeKey of [null, "research", "code_change", "deploy"]) {
          const { agent, task } = await taskFor(level, typeKey);
          const gate = await db().rpc<{ gate: string; by: string | null; level: string }>("task_gate", { p_task_id: task.id, p_action: "agent_action" });
          const got = await ask(agent.id, task.id);
          const c = JSON.stringify({ level, typeKey });
          expect(got.mode, c).toBe(gate.gate === "allow" ? "policy" : gate.gate);
          expect(got.status, c).toBe(gate.gate === "allow" ? "approved" : "pending");
          expect(got.by, c).toBe(gate.gate === "allow" ? gate.by : null);
          expect(got.veto_until !== null, c).toBe(gate.gate === "hotl");
          expect(got.level, c).toBe(gate.level);
        }
      }
      // Spot checks of the policy itself: the strictest level wins (a deploy's hitl over an
      // autonomous agent); low risk and autonomous runs at once.
      const deploy = await taskFor("autonomous", "deploy");
      expect(await ask(deploy.agent.id, deploy.task.id)).toMatchObject({ mode: "hitl", status: "pending", level: "hitl" });
      const low = await taskFor("autonomous", "research");
      expect(await ask(low.agent.id, low.task.id)).toMatchObject({ mode: "policy", status: "approved", by: "autonomous" });
    });

    it("lets a standing grant for that action through on low risk only", async () => {
      const { agent, task } = await taskFor("hitl", "research");
      await query(db(), "insert into standing_grants (task_id, action, granted_by) values ($1, 'deploy.web', $2)", [task.id, approver]);
      expect(await ask(agent.id, task.id)).toMatchObject({ mode: "policy", status: "approved", by: "standing_grant" });
      expect(await ask(agent.id, task.id, "deploy.db", "d".repeat(64))).toMatchObject({ mode: "hitl", status: "pending" });
      const medium = await taskFor("hitl", "code_change");
      await query(db(), "insert into standing_grants (task_id, action, granted_by) values ($1, 'deploy.web', $2)", [medium.task.id, approver]);
      expect(await ask(medium.agent.id, medium.task.id)).toMatchObject({ mode: "hitl", status: "pending" });
    });

    it("takes no verdict from the caller: the old signature with a mode is gone", async () => {
      const { agent, task } = await taskFor("hitl", "deploy");
      const asPreApproved = db().rpc("agent_request_action", {
        p_agent_id: agent.id,
        p_task_id: task.id,
        p_action: "deploy.web",
        p_args: {},
        p_target: "",
        p_reason: "",
        p_digest: "e".repeat(64),
        p_ttl_seconds: 600,
        p_mode: "policy",
        p_veto_seconds: 0,
        p_policy: "autonomous",
      });
      await expect(asPreApproved).rejects.toThrow();
      expect(await query(db(), "select 1 from approvals where task_id = $1", [task.id])).toEqual([]);
    });

    it("refuses a request on a done or cancelled task (conflict) and records nothing", async () => {
      for (const status of ["done", "cancelled"]) {
        const { agent, task } = await taskFor("autonomous", "research", status);
        await expect(ask(agent.id, task.id)).rejects.toMatchObject({
          code: "conflict",
          message: `The task is ${status}: it takes no more action requests from its agent.`,
        });
        expect(await query(db(), "select 1 from approvals where task_id = $1", [task.id])).toEqual([]);
      }
    });
  });
});
