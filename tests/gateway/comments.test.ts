import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, PUBLIC_URL, startGatewayApp, until } from "#tests/support/openclaw/app";

// @agent mentions (decision 045) against the real OpenClaw gateway: an
// operator's comment reaches the agent's running session (the model sees it),
// and the agent answers with a comment through the agent API using what it
// was told; a mention made before any dispatch goes with the dispatch message.

const stub = stubControl(inject("stubUrl"));

describe("comments that mention an agent, with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string };

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ db, admin, ws } = app);
    agent = await createAgentWithToken(db, ws.id, { name: "Mention Runner" });
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await app?.stop();
  });

  const page = (taskId: string) => `/w/${ws.slug}/tasks/${taskId}`;
  const comment = async (taskId: string, body: string) => {
    await admin.get(page(taskId));
    const res = await admin.post(page(taskId), { intent: "comment", body });
    expect(res.status).toBe(302);
  };
  const mentions = (taskId: string) =>
    query<{ delivery: string; run_id: string | null }>(
      db,
      "select m.delivery, m.run_id from task_comment_mentions m join task_comments c on c.id = m.comment_id where c.task_id = $1",
      [taskId],
    );

  it("delivers a mention into the running session, and the agent's answer comes back as a reply", async () => {
    const title = `Mention me ${randomBytes(3).toString("hex")}`;
    const ask = `@mention-runner please also check the archive ${randomBytes(3).toString("hex")}`;
    await stub.setRules([
      { contains: ask, reply: "Checked the archive." },
      { contains: title, reply: "First pass done." },
    ]);
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    expect((await app.heartbeat()).actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    const dispatch = await stub.waitForRequest((r) => r.userText.includes(title));
    await comment(task.id, ask);
    const seen = await stub.waitForRequest((r) => r.userText.includes(ask));
    expect(seen.userText).toContain("mentioned you in a comment on this task");
    const [mention] = await mentions(task.id);
    expect(mention).toMatchObject({ delivery: "delivered" });
    expect(mention!.run_id).toBeTruthy();

    // The agent answers as it was told: the comments address and its task token from the dispatch.
    const [asked] = await query<{ id: string }>(db, "select id from task_comments where task_id = $1", [task.id]);
    const replyUrl = /POST (\S+\/comments) {2}\{"body":"…","in_reply_to":"([0-9a-f-]+)"\}/.exec(seen.userText);
    expect(replyUrl?.[2]).toBe(asked!.id);
    const token = /Authorization: Bearer (mct_\S+)/.exec(dispatch.messages.map((m) => m.text).join("\n"))?.[1];
    const res = await fetch(replyUrl![1]!.replace(PUBLIC_URL, app.server.url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "Checked the archive: nothing new.", in_reply_to: asked!.id }),
    });
    expect(res.status).toBe(201);
    await admin.get(page(task.id));
    expect(admin.lastHtml).toContain("Checked the archive: nothing new.");
    expect(admin.lastHtml).toContain('data-delivery="delivered"');
  });

  it("queues a mention of an agent whose task is not running yet, and hands it over with the dispatch", async () => {
    const title = `Queued mention ${randomBytes(3).toString("hex")}`;
    const note = `@mention-runner start with the 2021 figures ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: done" }]);
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    await comment(task.id, note);
    expect(await mentions(task.id)).toEqual([{ delivery: "queued", run_id: null }]);
    expect((await app.heartbeat()).actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    const seen = await stub.waitForRequest((r) => r.userText.includes(title));
    expect(seen.userText).toContain("Comments that mention you");
    expect(seen.userText).toContain(note);
    await until("the mention marked as dispatched", async () => (await mentions(task.id))[0]?.delivery === "dispatched");
  });
});
