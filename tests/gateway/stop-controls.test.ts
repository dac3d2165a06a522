import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, query, taskRow } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// Stop that stops (decision 035), against the real OpenClaw gateway: the stub
// model holds each scripted turn open, as a model still thinking would, so a
// stop can only end it by the gateway cutting the model's stream.

const stub = stubControl(inject("stubUrl"));
const HOLD_MS = 90_000;

describe("stop controls with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string };

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ db, admin, ws } = app);
    agent = await createAgentWithToken(db, ws.id, { name: "Runner" });
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await app?.stop();
  });

  /** A task dispatched by the heartbeat whose model turn the stub holds open. */
  const runningTask = async () => {
    const title = `Long job ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: too late", delayMs: HOLD_MS }]);
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    const receipt = await app.heartbeat();
    expect(receipt.actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    await stub.waitForRequest((r) => r.userText.includes(title));
    return { task, title };
  };
  const cut = (title: string) =>
    until(`the model stream for ${title} to be cut`, async () => (await stub.requests()).find((r) => r.userText.includes(title) && r.cut));
  const activities = (taskId: string, type: string) =>
    query<{ message: string; actor_name: string }>(db, "select message, actor_name from task_activities where task_id = $1 and type = $2", [taskId, type]);

  it("cancelling a running task aborts its run on the gateway", async () => {
    const { task, title } = await runningTask();
    await admin.get(`/w/${ws.slug}/tasks/${task.id}`);
    const res = await admin.post(`/w/${ws.slug}/tasks/${task.id}`, { intent: "move", status: "cancelled" });
    expect(res.status).toBe(302);
    await cut(title);
    expect(String((await taskRow(db, task.id)).status)).toBe("cancelled");
    expect(await activities(task.id, "run_aborted")).toEqual([{ message: "Stopped the agent's run on the gateway", actor_name: "Test Admin" }]);
    // The held turn never completes: no completion from the aborted run moves the task again.
    await app.heartbeat();
    expect(String((await taskRow(db, task.id)).status)).toBe("cancelled");
  });

  it("the emergency stop aborts every run and dispatches nothing until an admin resumes", async () => {
    const first = await runningTask();
    const second = await runningTask();
    await admin.get("/heartbeat");
    const stop = await admin.post("/stop", { intent: "emergency-stop", reason: "runaway spend", redirect_to: "/heartbeat" });
    expect(stop.status).toBe(302);
    expect(stop.headers.get("location")).toBe("/heartbeat");
    await cut(first.title);
    await cut(second.title);
    expect(await activities(first.task.id, "run_aborted")).toHaveLength(1);
    expect(await activities(second.task.id, "run_aborted")).toHaveLength(1);

    // Every page says so while it holds.
    await admin.get(`/w/${ws.slug}`);
    expect(admin.lastHtml).toContain("Emergency stop.");
    expect(admin.lastHtml).toContain("runaway spend");

    // Nothing is dispatched, by the heartbeat or by the task page's button.
    const waiting = await createTask(db, ws.id, { title: `Waits ${randomBytes(3).toString("hex")}`, status: "assigned", assigned_agent_id: agent.id });
    const receipt = await app.heartbeat();
    expect(receipt.actions.filter((a) => a.action === "dispatched")).toEqual([]);
    expect(receipt.gateway_calls).toBe(0);
    await admin.get(`/w/${ws.slug}/tasks/${waiting.id}`);
    const refused = await admin.post(`/w/${ws.slug}/tasks/${waiting.id}`, { intent: "dispatch" });
    expect(refused.status).toBe(409);
    expect(admin.lastHtml).toContain("The emergency stop holds: nothing is dispatched until an admin resumes.");
    expect(String((await taskRow(db, waiting.id)).status)).toBe("assigned");

    await admin.get("/heartbeat");
    expect((await admin.post("/stop", { intent: "emergency-resume", redirect_to: "/heartbeat" })).status).toBe(302);
    const resumed = await app.heartbeat();
    expect(resumed.actions).toContainEqual({ task_id: waiting.id, action: "dispatched", reason: null, ok: true });
  });

  it("pausing an agent with its runs stopped aborts them and holds its dispatch until resumed", async () => {
    const { task, title } = await runningTask();
    await admin.get(`/w/${ws.slug}/agents/${agent.id}`);
    expect(admin.lastHtml).toContain("Pause agent");
    const res = await admin.post("/stop", { intent: "pause-agent", agent_id: agent.id, abort: "1", redirect_to: `/w/${ws.slug}/agents/${agent.id}` });
    expect(res.status).toBe(302);
    await cut(title);
    expect(await activities(task.id, "run_aborted")).toHaveLength(1);
    const next = await createTask(db, ws.id, { title: `Next ${randomBytes(3).toString("hex")}`, status: "assigned", assigned_agent_id: agent.id });
    expect((await app.heartbeat()).actions.filter((a) => a.task_id === next.id)).toEqual([]);
    await admin.get(`/w/${ws.slug}/agents/${agent.id}`);
    expect(admin.lastHtml).toContain("Resume agent");
    await admin.post("/stop", { intent: "resume-agent", agent_id: agent.id, redirect_to: `/w/${ws.slug}/agents/${agent.id}` });
    expect((await app.heartbeat()).actions).toContainEqual({ task_id: next.id, action: "dispatched", reason: null, ok: true });
  });
});
