import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { STEER_MESSAGE_MAX_CHARS } from "#app/domain/input-limits";
import { createAgent, createTask, createWorkspace, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Watching and steering a run (decisions 036 and 037) without a reachable
// gateway: the page still answers 200 and says why there is no transcript;
// the steer form's refusals (role, bad input, no session) change nothing; a
// message that cannot reach the gateway is recorded as not sent.

/** A loopback port with nothing listening: a gateway that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const activities = (db: Parameters<typeof query>[0], taskId: string) =>
  query<{ type: string; message: string; actor_name: string }>(
    db,
    "select type, message, actor_name from task_activities where task_id = $1 and type like 'steer%' order by created_at",
    [taskId],
  );

describe("watching and steering a run, with the gateway down", () => {
  let port = 0;
  const app = useTestServer({
    env: async () => {
      port = await closedPort();
      return { OPENCLAW_GATEWAY_URL: `ws://127.0.0.1:${port}`, OPENCLAW_GATEWAY_TOKEN: "token-of-a-gateway-that-is-down" };
    },
  });
  let admin: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };
  let agentId: string;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    viewer = await app.signIn({ email: "viewer@watch.test", name: "Vera Viewer", role: "viewer" });
    ws = await createWorkspace(app.db);
    agentId = (await createAgent(app.db, ws.id, { name: "Runner", openclaw_agent_id: "main" })).id;
  });

  /** A task the gateway is running (as far as the database knows). */
  const runningTask = async () => {
    const task = await createTask(app.db, ws.id, { title: "Running job", status: "assigned", assigned_agent_id: agentId });
    await query(app.db, "update tasks set status = 'in_progress', session_key = $2, current_run_id = 'run-1' where id = $1", [
      task.id,
      `agent:main:mc-task-${task.id}`,
    ]);
    return task;
  };
  const page = (taskId: string) => `/w/${ws.slug}/tasks/${taskId}`;
  const steer = async (client: FormClient, taskId: string, fields: Record<string, string>) => {
    await client.get(page(taskId));
    return client.post(page(taskId), { intent: "steer", ...fields });
  };

  it("renders the task page with the session panel saying the gateway is disconnected", async () => {
    const task = await runningTask();
    const res = await admin.get(page(task.id));
    expect(res.status).toBe(200);
    expect(admin.lastHtml).toContain('data-state="disconnected"');
    expect(admin.lastHtml).toContain("The OpenClaw gateway is disconnected");
    // Operators get the steer form; it posts without JavaScript.
    expect(admin.lastHtml).toContain('name="intent" value="steer"');
    expect(admin.lastHtml).toContain(`maxLength="${STEER_MESSAGE_MAX_CHARS}"`);
  });

  it("says a task that was never dispatched has no session, and offers no form", async () => {
    const task = await createTask(app.db, ws.id, { title: "Not yet", status: "assigned", assigned_agent_id: agentId });
    expect((await admin.get(page(task.id))).status).toBe(200);
    expect(admin.lastHtml).toContain('data-state="no_session"');
    expect(admin.lastHtml).not.toContain('value="steer"');
  });

  it("refuses a transcript cursor that is not a page number", async () => {
    const task = await runningTask();
    expect((await admin.get(`${page(task.id)}?transcript_before=-4`)).status).toBe(400);
    expect(admin.lastHtml).toContain("transcript_before must be a whole number");
    expect((await admin.get(`${page(task.id)}?transcript_before=40`)).status).toBe(200);
  });

  it("shows viewers the session but no form, and refuses their message with a 403 that writes nothing", async () => {
    const task = await runningTask();
    expect((await viewer.get(page(task.id))).status).toBe(200);
    expect(viewer.lastHtml).toContain('id="transcript"');
    expect(viewer.lastHtml).not.toContain('value="steer"');
    expect((await steer(viewer, task.id, { message: "please stop" })).status).toBe(403);
    expect(await activities(app.db, task.id)).toEqual([]);
  });

  it("refuses an empty, oversized or malformed message with a 400 and a clear error, writing nothing", async () => {
    const task = await runningTask();
    const empty = await steer(admin, task.id, { message: "   " });
    expect(empty.status).toBe(400);
    expect(admin.lastHtml).toContain("Write a message for the agent");
    const long = await steer(admin, task.id, { message: "x".repeat(STEER_MESSAGE_MAX_CHARS + 1) });
    expect(long.status).toBe(400);
    expect(admin.lastHtml).toContain(`At most ${STEER_MESSAGE_MAX_CHARS.toLocaleString("en-US")} characters`);
    expect((await steer(admin, task.id, {})).status).toBe(400);
    expect((await steer(admin, task.id, { message: "hi", extra: "1" })).status).toBe(400);
    expect(await activities(app.db, task.id)).toEqual([]);
  });

  it("refuses a message to a task with no session, or one that is finished, with a 409 that writes nothing", async () => {
    const fresh = await createTask(app.db, ws.id, { title: "Never dispatched", status: "assigned", assigned_agent_id: agentId });
    const res = await steer(admin, fresh.id, { message: "hello?" });
    expect(res.status).toBe(409);
    expect(admin.lastHtml).toContain("The task has no agent session yet: dispatch it first.");
    const done = await runningTask();
    await query(app.db, "update tasks set status = 'cancelled' where id = $1", [done.id]);
    expect((await steer(admin, done.id, { message: "one more thing" })).status).toBe(409);
    expect(admin.lastHtml).toContain("The task is cancelled: its session takes no more messages.");
    expect(await activities(app.db, fresh.id)).toEqual([]);
    expect(await activities(app.db, done.id)).toEqual([]);
  });

  it("records a message the gateway could not take as not sent, and says so", async () => {
    const task = await runningTask();
    const res = await steer(admin, task.id, { message: "Use the staging database" });
    expect(res.status).toBe(503);
    expect(admin.lastHtml).toContain("The message was not sent: the gateway is not connected.");
    // What was typed stays in the box.
    expect(admin.lastHtml).toContain("Use the staging database</textarea>");
    expect(await activities(app.db, task.id)).toEqual([
      {
        type: "steer_failed",
        message: "Could not send a message to the agent (the gateway is not connected): Use the staging database",
        actor_name: "Test Admin",
      },
    ]);
  });

  it("refuses a message while a stop holds", async () => {
    const task = await runningTask();
    await query(app.db, "update agents set paused_at = now() where id = $1", [agentId]);
    try {
      expect((await steer(admin, task.id, { message: "go on" })).status).toBe(409);
      expect(admin.lastHtml).toContain("The agent is paused: resume it to send it a message.");
    } finally {
      await query(app.db, "update agents set paused_at = null where id = $1", [agentId]);
    }
    expect(await activities(app.db, task.id)).toEqual([]);
  });
});

describe("the session panel with no gateway configured", () => {
  const app = useTestServer();

  it("says there is no gateway, and the page answers 200", async () => {
    const admin = await app.setUpAdmin();
    const ws = await createWorkspace(app.db);
    const agent = await createAgent(app.db, ws.id, { openclaw_agent_id: "main" });
    const task = await createTask(app.db, ws.id, { title: "Offline", status: "assigned", assigned_agent_id: agent.id });
    await query(app.db, "update tasks set status = 'in_progress', session_key = $2 where id = $1", [task.id, `agent:main:mc-task-${task.id}`]);
    expect((await admin.get(`/w/${ws.slug}/tasks/${task.id}`)).status).toBe(200);
    expect(admin.lastHtml).toContain('data-state="disabled"');
    expect(admin.lastHtml).toContain("No OpenClaw gateway is configured");
  });
});
