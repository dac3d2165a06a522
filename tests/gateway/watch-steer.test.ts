import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// Watching and steering a run (decisions 036 and 037) against the real
// OpenClaw gateway: the task page reads the session's transcript from it,
// the steer form's message reaches the model, and the gateway's events for
// the session reach the bus as session.updated.

const stub = stubControl(inject("stubUrl"));

describe("watching and steering a run with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string };

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ db, admin, ws } = app);
    agent = await createAgentWithToken(db, ws.id, { name: "Runner" });
    // Commands of this work run without a human (decision 043), so a tool call completes on its own.
    await query(db, "update agents set autonomy_level = 'autonomous' where id = $1", [agent.id]);
    await query(db, "update task_types set exec_allowlist = '{echo *}' where key = 'research'");
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await app?.stop();
  });

  const typeId = async (key: string) => (await query<{ id: string }>(db, "select id from task_types where key = $1", [key]))[0]!.id;
  const page = (taskId: string) => `/w/${ws.slug}/tasks/${taskId}`;
  const dispatched = async (title: string, extra: Record<string, unknown> = {}) => {
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id, ...extra });
    const receipt = await app.heartbeat();
    expect(receipt.actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    return task;
  };
  /** The task page once its transcript shows `text`. */
  const pageShowing = (taskId: string, text: string) =>
    until(`the transcript of ${taskId} to show ${text}`, async () => {
      await admin.get(page(taskId));
      return admin.lastHtml.includes(text) ? admin.lastHtml : null;
    });

  it("shows the agent's reply in the task's transcript, as text, with the run's usage", async () => {
    const title = `Watch me ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "Working on it: <b>step one</b> done. TASK_COMPLETE: finished" }]);
    const task = await dispatched(title);
    const html = await pageShowing(task.id, "step one");
    // What the agent wrote is escaped text, never markup.
    expect(html).toContain("&lt;b&gt;step one&lt;/b&gt;");
    expect(html).not.toContain("<b>step one</b>");
    expect(html).toContain('data-kind="prompt"');
    expect(html).toContain('data-kind="assistant"');
    expect(html).toContain('data-testid="transcript-usage"');
    // The dispatch message's bearer token never reaches the page.
    expect(html).toContain("Bearer [redacted]");
    expect(html).not.toMatch(/mct_[A-Za-z0-9_-]{16,}/);
  });

  it("shows a tool call with its arguments and the tool's result", async () => {
    const title = `Tool run ${randomBytes(3).toString("hex")}`;
    const marker = `hello-${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: echoed", toolCall: { name: "exec", arguments: { command: `echo ${marker}` } } }]);
    const task = await dispatched(title, { task_type_id: await typeId("research") });
    const html = await pageShowing(task.id, 'data-kind="tool-result"');
    expect(html).toContain('data-kind="tool-call"');
    expect(html).toContain(`echo ${marker}`);
    // The result holds the command's output (the page shows it as text).
    const result = html.slice(html.indexOf('data-kind="tool-result"'));
    expect(result).toContain(marker);
  });

  it("sends a steer message into the session: the model sees it, and the activity says who sent it", async () => {
    const title = `Steer me ${randomBytes(3).toString("hex")}`;
    const message = `Also check the staging logs ${randomBytes(3).toString("hex")}`;
    await stub.setRules([
      { contains: message, reply: "Checked the staging logs." },
      { contains: title, reply: "First pass done." },
    ]);
    const task = await dispatched(title);
    await stub.waitForRequest((r) => r.userText.includes(title));
    await admin.get(page(task.id));
    const res = await admin.post(page(task.id), { intent: "steer", message });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${page(task.id)}#transcript`);
    await stub.waitForRequest((r) => r.userText.includes(message));
    const rows = await query<{ message: string; actor_name: string; actor_type: string }>(
      db,
      "select message, actor_name, actor_type from task_activities where task_id = $1 and type = 'steer'",
      [task.id],
    );
    expect(rows).toEqual([{ message: `Message to the agent: ${message}`, actor_name: "Test Admin", actor_type: "user" }]);
    // The reply to it lands in the transcript.
    await pageShowing(task.id, "Checked the staging logs.");
  });

  it("announces the session's activity on the bus, so an open task page revalidates", async () => {
    const title = `Live ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: live" }]);
    const task = await dispatched(title);
    const events = await until("a session.updated event for the task", async () => {
      const rows = await query<{ type: string; payload: { session_key: string } }>(
        db,
        "select type, payload from events where task_id = $1 and type = 'session.updated'",
        [task.id],
      );
      return rows.length > 0 ? rows : null;
    });
    expect(events[0]!.payload.session_key).toBe(`agent:main:mc-task-${task.id}`);
  });
});
