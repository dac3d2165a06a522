import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, createWorkspace, query, taskRow } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import type { FormClient } from "#tests/support/http-client";
import { gatewayControl } from "#tests/support/openclaw/gateway";
import { stubControl } from "#tests/support/openclaw/stub-model";
import type { RunningServer } from "#tests/support/server";
import { type GatewayApp, PUBLIC_URL, startGatewayApp, until } from "#tests/support/openclaw/app";

// Mission Control (the built bundle, on PostgreSQL) against the real OpenClaw
// gateway and a stub model: dispatch, completion and usage, the UI's dispatch
// button, a planning round trip, and a gateway restart in the middle of a run.

const stub = stubControl(inject("stubUrl"));
const control = gatewayControl(inject("gatewayControlUrl"));

describe("Mission Control with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let server: RunningServer;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string; token: string };

  const statusOf = async (id: string) => String((await taskRow(db, id)).status);
  const heartbeat = () => app.heartbeat();
  const gatewayStatus = () => app.gatewayStatus();

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ server, db, admin, ws } = app);
    agent = await createAgentWithToken(db, ws.id, { name: "Operative" });
  });

  beforeEach(async () => {
    await stub.reset();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("reports the gateway as connected in health", async () => {
    expect(await gatewayStatus()).toBe("connected");
  });

  it("dispatches through the heartbeat, completes from the run, records the gateway's usage", async () => {
    const title = `Survey ${randomBytes(3).toString("hex")}`;
    const task = await createTask(db, ws.id, {
      title,
      status: "assigned",
      assigned_agent_id: agent.id,
      priority: "high",
      description: "Find sources.\nMC-REPLY: TASK_COMPLETE: wrote the survey",
    });
    const receipt = await heartbeat();
    expect(receipt.actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    expect(receipt.gateway_calls).toBe(1);

    const prompt = await stub.waitForRequest((r) => r.userText.includes(title));
    expect(prompt.userText).toContain(`TASK: ${title}`);
    expect(prompt.userText).toContain(`${PUBLIC_URL}/api/agent/tasks/${task.id}/activities`);
    expect(prompt.userText).toContain(`session=agent:main:mc-task-${task.id}`);
    expect(prompt.userText).not.toContain(SECRETS.MC_API_TOKEN);
    const token = /Bearer (mct_[A-Za-z0-9_-]+)/.exec(prompt.userText)?.[1];
    expect(token).toBeDefined();

    await until("the task to reach testing", async () => (await statusOf(task.id)) === "testing");
    const [completed] = await query<{ message: string }>(db, "select message from task_activities where task_id = $1 and type = 'completed'", [task.id]);
    expect(completed!.message).toBe("wrote the survey");
    const usage = await until("gateway usage", async () => {
      const rows = await query<{ source: string; input_tokens: string; output_tokens: string; cost_usd: string | null }>(
        db,
        "select source, input_tokens, output_tokens, cost_usd from usage_records where task_id = $1",
        [task.id],
      );
      return rows.length > 0 ? rows : null;
    });
    expect(usage).toHaveLength(1);
    expect(usage[0]!.source).toBe("gateway");
    expect(Number(usage[0]!.input_tokens)).toBe(prompt.usage.prompt_tokens);
    expect(Number(usage[0]!.output_tokens)).toBe(prompt.usage.completion_tokens);
    const expectedCost = (prompt.usage.prompt_tokens * 1 + prompt.usage.completion_tokens * 2) / 1e6;
    expect(Number(usage[0]!.cost_usd)).toBeCloseTo(expectedCost, 6);
    const row = await taskRow(db, task.id);
    expect(Number(row.token_usage)).toBe(prompt.usage.prompt_tokens + prompt.usage.completion_tokens);

    // The task-scoped token from the message works for this task, and only this one.
    const own = await fetch(`${server.url}/api/agent/tasks/${task.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(own.status).toBe(200);
    const other = await createTask(db, ws.id, { status: "inbox", assigned_agent_id: agent.id });
    expect((await fetch(`${server.url}/api/agent/tasks/${other.id}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);

    // A second heartbeat has nothing to do and makes no gateway call.
    const idle = await heartbeat();
    expect(idle.actions.filter((a) => a.action === "dispatched")).toEqual([]);
    expect(idle.gateway_calls).toBe(0);
  });

  it("imports agents from the gateway's list", async () => {
    const other = await createWorkspace(db);
    const page = `/w/${other.slug}/agents`;
    await admin.get(page);
    expect(admin.lastHtml).toContain("List the gateway");
    await admin.get(`${page}?import=1`);
    expect(admin.lastHtml).toContain("<code>main</code>");
    const res = await admin.post(page, { intent: "import", openclaw_agent_id: "main", name: "main", model: "" });
    expect(res.status).toBe(201);
    expect(await res.text()).toMatch(/mca_[A-Za-z0-9_-]{43}/);
    const [imported] = await query<{ openclaw_agent_id: string }>(db, "select openclaw_agent_id from agents where workspace_id = $1", [other.id]);
    expect(imported!.openclaw_agent_id).toBe("main");
    await admin.get(`${page}?import=1`);
    expect(admin.lastHtml).toContain("Every gateway agent is already here.");
  });

  it("dispatches from the task page's button through the same path", async () => {
    const task = await createTask(db, ws.id, { title: "Button dispatch", status: "assigned", assigned_agent_id: agent.id });
    const page = `/w/${ws.slug}/tasks/${task.id}`;
    await admin.get(page);
    expect(admin.lastHtml).toContain("Dispatch now");
    const res = await admin.post(page, { intent: "dispatch" });
    expect(res.status).toBe(302);
    await until("completion", async () => (await statusOf(task.id)) === "testing");
    const [dispatched] = await query<{ n: number }>(db, "select count(*)::int as n from task_activities where task_id = $1 and type = 'dispatched'", [task.id]);
    expect(dispatched!.n).toBe(1);
  });

  it("plans through multiple-choice questions, then assigns and dispatches with the spec", async () => {
    await stub.setRules([
      { contains: "Mission Control asks you to plan", reply: 'Some thoughts.\nPLANNING_QUESTION: {"question":"Which format?","options":["PDF","HTML"]}' },
      { contains: "The operator answered", reply: 'PLANNING_SPEC: {"spec":"An HTML report","acceptance":["one page"]}' },
    ]);
    const task = await createTask(db, ws.id, { title: "Plan me", status: "planning", assigned_agent_id: agent.id });
    const page = `/w/${ws.slug}/tasks/${task.id}`;
    await admin.get(page);
    expect((await admin.post(page, { intent: "start-planning" })).status).toBe(302);
    const question = await until("the agent's question", async () => {
      const rows = await query<{ id: string; question: string; options: string[] }>(
        db,
        "select id, question, options from planning_questions where task_id = $1",
        [task.id],
      );
      return rows[0];
    });
    expect(question).toMatchObject({ question: "Which format?", options: ["PDF", "HTML"] });
    await admin.get(page);
    expect(admin.lastHtml).toContain("Which format?");
    expect((await admin.post(page, { intent: "answer", question_id: question.id, choice: "HTML", other: "" })).status).toBe(302);
    const answered = await stub.waitForRequest((r) => r.userText.includes("The operator answered"));
    expect(answered.userText).toContain("HTML");
    await until("the planned task to be done", async () => (await statusOf(task.id)) === "testing");
    const row = await taskRow(db, task.id);
    expect(row.planning_spec).toEqual({ spec: "An HTML report", acceptance: ["one page"] });
    const dispatchPrompt = await stub.waitForRequest((r) => r.userText.includes("You have been assigned a task") && r.userText.includes("Plan me"));
    expect(dispatchPrompt.userText).toContain("An HTML report");
    const history = await query<{ type: string }>(db, "select type from task_activities where task_id = $1 order by created_at", [task.id]);
    const types = history.map((h) => h.type);
    expect(types.indexOf("planning_complete")).toBeLessThan(types.indexOf("dispatched"));
  });

  it("cancelling planning returns the task to the inbox", async () => {
    const task = await createTask(db, ws.id, { title: "Plan and drop", status: "planning", assigned_agent_id: agent.id });
    const page = `/w/${ws.slug}/tasks/${task.id}`;
    await admin.get(page);
    expect((await admin.post(page, { intent: "cancel-planning" })).status).toBe(302);
    expect(await statusOf(task.id)).toBe("inbox");
  });

  // A restart on a busy machine takes the gateway's full start (45 s and more) before the reconnect and the run's end.
  it("loses no task when the gateway restarts in the middle of a run", { timeout: 240_000 }, async () => {
    await stub.setRules([{ contains: "Slow job", reply: "TASK_COMPLETE: slow but done", delayMs: 5_000 }]);
    const task = await createTask(db, ws.id, { title: "Slow job", status: "assigned", assigned_agent_id: agent.id });
    await heartbeat();
    await stub.waitForRequest((r) => r.userText.includes("Slow job"));
    expect(await statusOf(task.id)).toBe("in_progress");
    await control.restart();
    await until("the reconnect", async () => (await gatewayStatus()) === "connected", 90_000);
    await until("the run's completion", async () => (await statusOf(task.id)) === "testing", 90_000);
    const completions = await query(db, "select 1 from task_activities where task_id = $1 and type = 'completed'", [task.id]);
    expect(completions).toHaveLength(1);
  });

  it("answers 503 with a reason when the gateway is down, and the task stays recoverable", async () => {
    await control.halt();
    try {
      await until("the disconnect", async () => (await gatewayStatus()) === "disconnected", 30_000);
      const task = await createTask(db, ws.id, { title: "While down", status: "assigned", assigned_agent_id: agent.id });
      const page = `/w/${ws.slug}/tasks/${task.id}`;
      await admin.get(page);
      const res = await admin.post(page, { intent: "dispatch" });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("The OpenClaw gateway is not connected");
      const receipt = await heartbeat();
      expect(receipt.actions).toContainEqual({ task_id: null, action: "dispatch_skipped", reason: "gateway_disconnected", ok: false });
      expect(await taskRow(db, task.id)).toMatchObject({ status: "assigned", dispatch_attempts: 0 });
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "degraded", gateway: "disconnected" });
    } finally {
      await control.start();
    }
    await until("the reconnect", async () => (await gatewayStatus()) === "connected", 90_000);
  });
});
