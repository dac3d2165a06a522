import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query, SYSTEM, updateTask } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { addStage, createPipeline } from "#app/db/pipelines.server";
import { useTestServer } from "#tests/support/test-server";

// The autonomy policy applied for real: what an agent may do alone, what waits
// behind a veto window, what waits for an approver, what escalates, and who
// may change any of it.
describe("governance", () => {
  const app = useTestServer();
  let admin: FormClient;
  let ws: { id: string; slug: string };
  const types: Record<string, string> = {};

  const typed = async (agentLevel: string, typeKey: string | null) => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: `A-${agentLevel}-${typeKey}-${Math.random().toString(36).slice(2, 6)}` });
    await query(app.db, "update agents set autonomy_level = $1 where id = $2", [agentLevel, agent.id]);
    const task = await createTask(app.db, ws.id, { status: "assigned", assigned_agent_id: agent.id, ...(typeKey ? { task_type_id: types[typeKey] } : {}) });
    return { agent, taskId: task.id };
  };
  const ask = async (token: string, taskId: string, args: Record<string, unknown> = { n: Math.random() }) => {
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: taskId, action: "send_email", args, target: "customer@example.test", reason: "follow-up" }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { id: string; status: string; by?: string; policy?: string; veto_until?: string; digest: string },
    };
  };
  const poll = async (token: string, id: string) =>
    (await (await fetch(`${app.url}/api/agent/approvals/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      status: string;
      by: string | null;
      escalated: boolean;
    };
  /** A user with the admin's password, signed in. */
  const signInAs = async (email: string, name: string, role: string) => {
    await query(app.db, "insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [
      email,
      name,
      role,
    ]);
    const client = new FormClient(app.url);
    await client.get("/login");
    expect((await client.post("/login", { email, password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    return client;
  };
  const heartbeat = async () =>
    ((await (await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`)).json()) as { actions: Array<{ task_id: string; action: string }> }).actions;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
    for (const row of await query<{ id: string; key: string }>(app.db, "select id, key from task_types")) types[row.key] = row.id;
  });

  it("lets an autonomous agent on autonomous work act at once, and records it", async () => {
    const { agent, taskId } = await typed("autonomous", "research");
    const { status, body } = await ask(agent.token, taskId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "approved", by: "policy", policy: "autonomous" });
    const [audit] = await query<{ actor: { name: string } }>(app.db, "select actor from audit_log where subject->>'approval_id' = $1", [body.id]);
    expect(audit!.actor.name).toBe("policy:autonomous");
  });

  it("takes the strictest level: a human-in-the-loop agent waits even on autonomous work", async () => {
    const { agent, taskId } = await typed("hitl", "research");
    const { status, body } = await ask(agent.token, taskId);
    expect(status).toBe(201);
    expect(body.status).toBe("pending");
    expect(body.veto_until).toBeUndefined();
  });

  it("never lets high-risk work run autonomously", async () => {
    const { agent, taskId } = await typed("autonomous", "deploy");
    expect((await ask(agent.token, taskId)).body.status).toBe("pending");
  });

  it("runs a human-on-the-loop action once its veto window closes, exactly once", async () => {
    const { agent, taskId } = await typed("hotl", "code_change");
    const { status, body } = await ask(agent.token, taskId);
    expect(status).toBe(201);
    expect(new Date(body.veto_until!).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await heartbeat()).filter((a) => a.task_id === taskId)).toEqual([]);
    await query(app.db, "update approvals set veto_until = now() - interval '1 second' where id = $1", [body.id]);
    expect((await heartbeat()).filter((a) => a.task_id === taskId)).toEqual([expect.objectContaining({ action: "approval_auto_approved" })]);
    expect(await poll(agent.token, body.id)).toMatchObject({ status: "approved", by: "hotl_window" });
    expect((await heartbeat()).filter((a) => a.task_id === taskId)).toEqual([]);
  });

  it("stops a human-on-the-loop action vetoed inside its window", async () => {
    const { agent, taskId } = await typed("hotl", "code_change");
    const { body } = await ask(agent.token, taskId);
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "deny", approval_id: body.id, digest: body.digest, comment: "veto" })).status).toBe(302);
    await query(app.db, "update approvals set veto_until = now() - interval '1 second' where id = $1", [body.id]);
    await heartbeat();
    expect((await poll(agent.token, body.id)).status).toBe("denied");
  });

  it("escalates an unanswered high-risk request once, then lets it expire", async () => {
    const { agent, taskId } = await typed("hitl", "outbound_message");
    const { body } = await ask(agent.token, taskId);
    await query(app.db, "update approvals set expires_at = now() - interval '1 second', created_at = now() - interval '60 minutes' where id = $1", [body.id]);
    expect((await heartbeat()).filter((a) => a.task_id === taskId).map((a) => a.action)).toEqual(["approval_escalated"]);
    expect(await poll(agent.token, body.id)).toMatchObject({ status: "pending", escalated: true });
    await query(app.db, "update approvals set expires_at = now() - interval '1 second' where id = $1", [body.id]);
    expect((await heartbeat()).filter((a) => a.task_id === taskId).map((a) => a.action)).toEqual(["approval_expired"]);
    expect((await poll(agent.token, body.id)).status).toBe("expired");
  });

  // Lowering an agent's supervision (hitl → hotl → autonomous) is an approver's act, decided in SQL:
  // an operator may no longer set hotl, as before, only raise the level.
  it("lets only an approver or admin lower an agent's autonomy, refused next to the control; raising stays open; all audited by name", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Promotable" });
    const op = await signInAs("op2@example.test", "Opal", "operator");
    const page = `/w/${ws.slug}/agents/${agent.id}`;
    await op.get(page);
    // Every level is offered; those this role may not choose are marked.
    expect(op.lastHtml).toContain("Human on the loop (veto window) (approver or admin)");
    for (const [to, label] of [
      ["hotl", "human on the loop"],
      ["autonomous", "autonomous"],
    ] as const) {
      await op.get(page);
      const refused = await op.post(page, { intent: "autonomy", autonomy_level: to });
      expect(refused.status).toBe(403);
      const html = await refused.text();
      const start = html.indexOf('id="autonomy-h"');
      const panel = html.slice(start, html.indexOf("</section>", start));
      expect(panel).toContain(
        `role="alert">Only an approver or admin can lower the supervision of agent Promotable: its autonomy would go from human in the loop to ${label}. Nothing was changed; ask an approver.</p>`,
      );
      expect(panel).toMatch(/<select[^>]*name="autonomy_level"[^>]*aria-invalid="true"/);
      expect(panel).toContain('id="autonomy-level-error" class="field-error">Only an approver or admin can make this change</p>');
      expect(html).toMatch(/data-testid="agent-autonomy">Human in the loop \(approve first\)/);
      expect((await query<{ autonomy_level: string }>(app.db, "select autonomy_level from agents where id = $1", [agent.id]))[0]!.autonomy_level).toBe("hitl");
    }
    await admin.get(page);
    expect(admin.lastHtml).not.toContain("(approver or admin)");
    expect((await admin.post(page, { intent: "autonomy", autonomy_level: "autonomous" })).status).toBe(302);
    // Back towards more supervision is an operator's call.
    await op.get(page);
    expect((await op.post(page, { intent: "autonomy", autonomy_level: "hotl" })).status).toBe(302);
    const audit = await query<{ actor: { name: string; email: string }; data: { from: string; to: string; lowered: boolean } }>(
      app.db,
      "select actor, data from audit_log where kind = 'agent.autonomy_changed' and subject->>'agent_id' = $1 order by seq",
      [agent.id],
    );
    expect(audit.map((a) => [a.actor.name, a.data.from, a.data.to, a.data.lowered])).toEqual([
      ["Test Admin", "hitl", "autonomous", true],
      ["Opal", "autonomous", "hotl", false],
    ]);
    expect(audit[1]!.actor.email).toBe("op2@example.test");
  });

  it("lets only an approver or admin lower a pipeline stage, refused next to the stage form with what was typed kept", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Stager" });
    const pipeline = await createPipeline(app.db, ws.id, { name: "Guarded", description: "" }, SYSTEM);
    const stage = await addStage(app.db, pipeline.id, { name: "Draft", agent_id: agent.id, autonomy_level: "hitl", gate_advance: true }, SYSTEM);
    await addStage(app.db, pipeline.id, { name: "Check", agent_id: agent.id }, SYSTEM);
    const [op, approver] = [await signInAs("op4@example.test", "Olga", "operator"), await signInAs("appr4@example.test", "Pavel", "approver")];
    const page = `/w/${ws.slug}/pipelines/${pipeline.id}`;
    const stored = async () =>
      (
        await query<{ name: string; autonomy_level: string; gate_advance: boolean }>(
          app.db,
          "select name, autonomy_level, gate_advance from pipeline_stages where id = $1",
          [stage.id],
        )
      )[0];
    const stageHtml = (html: string) => {
      const from = html.slice(html.indexOf(`id="stage-${stage.id}"`));
      return from.slice(0, from.indexOf("</li>"));
    };
    await op.get(page);
    expect(stageHtml(op.lastHtml)).toContain("Autonomous (approver or admin)");
    expect(stageHtml(op.lastHtml)).toContain("Gate the advance to the next stage (unticking it: approver or admin)");
    // Autonomous and ungated (the box left unticked), with a new name.
    const lowered = { intent: "edit-stage", stage_id: stage.id, name: "Draft v2", agent_id: agent.id, autonomy_level: "autonomous" };
    const refused = await op.post(page, lowered);
    expect(refused.status).toBe(403);
    const html = stageHtml(await refused.text());
    expect(html).toContain(
      'role="alert">Only an approver or admin can lower the supervision of stage Draft: its autonomy would go from human in the loop to autonomous; its advance to the next stage would no longer be gated. Nothing was changed; ask an approver.</p>',
    );
    expect(html).toMatch(/<select[^>]*name="autonomy_level"[^>]*aria-invalid="true"/);
    expect(html).toMatch(/<input type="checkbox"(?=[^>]*name="gate_advance")(?=[^>]*aria-invalid="true")(?![^>]*checked)[^>]*\/>/);
    expect(html).toContain('value="Draft v2"');
    expect(html).toMatch(/Human in the loop \(approve first\)(<!-- -->)? · advance gated/);
    expect(await stored()).toEqual({ name: "Draft", autonomy_level: "hitl", gate_advance: true });

    await approver.get(page);
    expect((await approver.post(page, lowered)).status).toBe(302);
    expect(await stored()).toEqual({ name: "Draft v2", autonomy_level: "autonomous", gate_advance: false });
    // Gating it again is an operator's call.
    await op.get(page);
    expect((await op.post(page, { ...lowered, autonomy_level: "hotl", gate_advance: "on" })).status).toBe(302);
    expect(await stored()).toMatchObject({ autonomy_level: "hotl", gate_advance: true });
    const audit = await query<{ actor: { name: string }; data: { lowered: Array<{ what: string }> } }>(
      app.db,
      "select actor, data from audit_log where kind = 'pipeline.stage_changed' and subject->>'stage_id' = $1 order by seq",
      [stage.id],
    );
    expect(audit.map((a) => [a.actor.name, a.data.lowered.map((l) => l.what)])).toEqual([
      ["Pavel", ["autonomy_level", "gate_advance"]],
      ["Olga", []],
    ]);
  });

  it("configures task types in the UI, refusing an autonomous high-risk type", async () => {
    await admin.get("/admin/task-types");
    expect(admin.lastHtml).toContain('data-task-type="deploy"');
    const base = { id: types.code_change!, name: "Code change", risk: "high", default_autonomy: "autonomous", veto_minutes: "5", expiry_policy: "deny" };
    const refused = await admin.post("/admin/task-types", { ...base, gate: "agent_action" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("High-risk work is never autonomous");
    await admin.get("/admin/task-types");
    const body = new URLSearchParams({ csrf: admin.csrf(), ...base, risk: "medium", default_autonomy: "hotl" });
    body.append("gate", "agent_action");
    body.append("gate", "review_done");
    const ok = await admin.request("/admin/task-types", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(ok.status).toBe(302);
    const [row] = await query<{ veto_minutes: number; gated_actions: string[] }>(
      app.db,
      "select veto_minutes, gated_actions from task_types where key = 'code_change'",
    );
    expect(row).toEqual({ veto_minutes: 5, gated_actions: ["agent_action", "review_done"] });
    expect(await query(app.db, "select 1 from audit_log where kind = 'task_type.changed'")).toHaveLength(1);
  });

  it("edits a task type's exec allowlist, refusing a pattern that allows everything and changing nothing", async () => {
    await admin.get("/admin/task-types");
    expect(admin.lastHtml).toContain('name="exec_allowlist"');
    const base = {
      id: types.research!,
      name: "Research",
      risk: "low",
      default_autonomy: "autonomous",
      veto_minutes: "10",
      expiry_policy: "deny",
      gate: "agent_action",
    };
    const saved = await admin.post("/admin/task-types", { ...base, exec_allowlist: "git status\n\n  ls *  \n" });
    expect(saved.status).toBe(302);
    const allowlist = async () =>
      (await query<{ exec_allowlist: string[] }>(app.db, "select exec_allowlist from task_types where key = 'research'"))[0]!.exec_allowlist;
    expect(await allowlist()).toEqual(["git status", "ls *"]);
    await admin.get("/admin/task-types");
    expect(admin.lastHtml).toContain("git status\nls *");
    for (const bad of ["*", "ls *\n*", "x".repeat(201)]) {
      await admin.get("/admin/task-types");
      const refused = await admin.post("/admin/task-types", { ...base, exec_allowlist: bad });
      expect(refused.status).toBe(400);
      expect(await allowlist()).toEqual(["git status", "ls *"]);
    }
  });

  it("lets operators pick a task type when creating a task", async () => {
    await admin.get(`/w/${ws.slug}/tasks/new`);
    expect((await admin.post(`/w/${ws.slug}/tasks/new`, { title: "Typed", task_type_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(400);
    await admin.get(`/w/${ws.slug}/tasks/new`);
    const res = await admin.post(`/w/${ws.slug}/tasks/new`, { title: "Typed", task_type_id: types.deploy! });
    expect(res.status).toBe(302);
    await admin.get(res.headers.get("location")!);
    expect(admin.lastHtml).toContain("Deploy · high risk");
  });

  it("refuses an operator's edit that would lift a Deploy task's gate, next to the form; an approver's edit cancels the request", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Shipper" });
    const task = await createTask(app.db, ws.id, { title: "Ship v2", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    for (const status of ["in_progress", "review"]) await updateTask(app.db, task.id, { status });
    for (const [email, name, role] of [
      ["op3@example.test", "Otto", "operator"],
      ["appr3@example.test", "Petra", "approver"],
    ]) {
      await query(app.db, "insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [
        email,
        name,
        role,
      ]);
    }
    const signIn = async (email: string) => {
      const client = new FormClient(app.url);
      await client.get("/login");
      await client.post("/login", { email, password: TEST_ADMIN.password, redirectTo: "/" });
      return client;
    };
    const [op, approver] = [await signIn("op3@example.test"), await signIn("appr3@example.test")];
    const page = `/w/${ws.slug}/tasks/${task.id}`;
    const moveToDone = async (client: FormClient) => {
      await client.get(page);
      return client.post(page, { intent: "move", status: "done" });
    };
    expect((await moveToDone(op)).status).toBe(409);
    const [pending] = await query<{ id: string; status: string }>(app.db, "select id, status from approvals where task_id = $1", [task.id]);
    expect(pending!.status).toBe("pending");

    // The bypass: Deploy → General, then done. Refused on the task page itself, next to the field, with what was chosen kept.
    await op.get(page);
    const refused = await op.post(page, { intent: "edit-type", task_type_id: "" });
    expect(refused.status).toBe(403);
    const html = await refused.text();
    expect(html).toContain('data-testid="task-status"');
    expect(html).toMatch(
      /id="field-type"[\s\S]*Only an approver or admin can lower this task.{1,8}s governance: dispatching it would no longer need approval; marking it done would no longer need approval/,
    );
    expect(html).toMatch(/<select[^>]*name="task_type_id"[^>]*aria-invalid="true"/);
    expect((await query<{ task_type_id: string; title: string }>(app.db, "select task_type_id, title from tasks where id = $1", [task.id]))[0]).toEqual({
      task_type_id: types.deploy,
      title: "Ship v2",
    });
    expect((await moveToDone(op)).status).toBe(409);

    // An approver may: the waiting request is cancelled (by name, with the reason), then done needs nobody.
    await approver.get(page);
    expect((await approver.post(page, { intent: "edit-type", task_type_id: "" })).status).toBe(302);
    const [cancelled] = await query<{ status: string; comment: string }>(app.db, "select status, comment from approvals where id = $1", [pending!.id]);
    expect(cancelled).toEqual({ status: "cancelled", comment: "No longer needed: Petra changed what governs the task" });
    const [audit] = await query<{ actor: { name: string; email: string } }>(
      app.db,
      "select actor from audit_log where kind = 'task.governance_changed' and subject->>'task_id' = $1",
      [task.id],
    );
    expect(audit!.actor).toMatchObject({ name: "Petra", email: "appr3@example.test" });
    await approver.get(page);
    expect(approver.lastHtml).toContain("Governance lowered: dispatching it would no longer need approval");
    await admin.get("/approvals?show=decided");
    const item = admin.lastHtml.slice(admin.lastHtml.indexOf(`data-approval-id="${pending!.id}"`));
    expect(item.slice(0, item.indexOf("</li>"))).toMatch(/cancelled<\/span> (<!-- -->)?by Petra/);
    expect((await moveToDone(op)).status).toBe(302);
    expect((await query<{ status: string }>(app.db, "select status from tasks where id = $1", [task.id]))[0]!.status).toBe("done");
  });

  it("turns a gated move to done into an approval request, applied once an approver says yes", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Reviewer" });
    const task = await createTask(app.db, ws.id, {
      title: "Gated done",
      status: "assigned",
      assigned_agent_id: agent.id,
      task_type_id: types.outbound_message,
    });
    for (const status of ["in_progress", "review"]) await updateTask(app.db, task.id, { status });
    await admin.get(`/w/${ws.slug}`);
    const res = await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: task.id, status: "done" });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("needs an approver: a request is waiting in Approvals");
    const [approval] = await query<{ id: string; digest: string; action: string }>(app.db, "select id, digest, action from approvals where task_id = $1", [
      task.id,
    ]);
    expect(approval!.action).toBe("task.review_done");
    // The admin asked, so another approver must decide.
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "approve", approval_id: approval!.id, digest: approval!.digest, comment: "" })).status).toBe(403);
    await query(
      app.db,
      "insert into users (email, name, role, password_hash) select 'appr@example.test', 'Second', 'approver', password_hash from users where role = 'admin'",
    );
    const second = new FormClient(app.url);
    await second.get("/login");
    await second.post("/login", { email: "appr@example.test", password: TEST_ADMIN.password, redirectTo: "/" });
    await second.get("/approvals");
    expect((await second.post("/approvals", { intent: "approve", approval_id: approval!.id, digest: approval!.digest, comment: "" })).status).toBe(302);
    expect((await query<{ status: string }>(app.db, "select status from tasks where id = $1", [task.id]))[0]!.status).toBe("done");
    // The task page says who approved the move; the log has the decision, not a manual override.
    await admin.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(admin.lastHtml).toContain("Moved from Review to Done (approved by Second)");
    const kinds = await query<{ kind: string; name: string }>(
      app.db,
      "select kind, actor->>'name' as name from audit_log where subject->>'task_id' = $1 order by seq",
      [task.id],
    );
    expect(kinds).toEqual([{ kind: "approval.approved", name: "Second" }]);
  });
});
