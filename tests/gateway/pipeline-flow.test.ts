import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { stageTimeline } from "#app/db/pipelines.server";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, query, taskRow } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// A three-stage pipeline against the real OpenClaw gateway and the stub
// model: the template and the task are made through the UI's forms, each
// stage runs as its own dispatch on its own session, the gated middle stage
// waits for an approver, and the timeline attributes each stage's usage.

const stub = stubControl(inject("stubUrl"));

describe("a pipeline task across three stages on a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };

  const heartbeat = () => app.heartbeat();
  /** Heartbeats until the task is in the wanted state (testing → review is the heartbeat's own step). */
  const beatUntil = (what: string, probe: () => Promise<boolean>) =>
    until(what, async () => {
      if (await probe()) return true;
      await heartbeat();
      return probe();
    });

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ db, admin, ws } = app);
  });

  beforeEach(async () => {
    await stub.reset();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("runs each stage as its own dispatch and session, and gates the hitl advance", async () => {
    const agents: Array<{ id: string; token: string }> = [];
    for (const n of ["Researcher", "Writer", "Editor"]) {
      const a = await createAgentWithToken(db, ws.id, { name: n });
      await query(db, "update agents set autonomy_level = 'autonomous' where id = $1", [a.id]);
      agents.push(a);
    }
    const base = `/w/${ws.slug}/pipelines`;
    await admin.get(base);
    const created = await admin.post(base, { intent: "create", name: "Article", description: "" });
    expect(created.status).toBe(302);
    const page = created.headers.get("location")!;
    const levels = ["autonomous", "hitl", "autonomous"];
    for (const [i, a] of agents.entries()) {
      await admin.get(page);
      const res = await admin.post(page, { intent: "add-stage", name: `Stage ${i + 1}`, agent_id: a.id, autonomy_level: levels[i]!, gate_advance: "on" });
      expect(res.status).toBe(302);
    }
    const [pipeline] = await query<{ id: string }>(db, "select id from pipelines where workspace_id = $1", [ws.id]);

    const title = `Article ${randomBytes(3).toString("hex")}`;
    await admin.get(`/w/${ws.slug}/tasks/new`);
    expect(admin.lastHtml).toContain("Article (3 stages)");
    const made = await admin.post(`/w/${ws.slug}/tasks/new`, {
      title,
      description: "",
      priority: "normal",
      assigned_agent_id: "",
      due_at: "",
      task_type_id: "",
      pipeline_id: pipeline!.id,
      status: "inbox",
    });
    expect(made.status).toBe(302);
    const taskId = made.headers.get("location")!.split("/").pop()!;
    expect(await taskRow(db, taskId)).toMatchObject({ status: "assigned", assigned_agent_id: agents[0]!.id });

    const keyFor = (stage: number) => `agent:main:mc-task-${taskId}${stage > 1 ? `-s${stage}` : ""}`;
    const assignee = async () => String((await taskRow(db, taskId)).assigned_agent_id);
    const status = async () => String((await taskRow(db, taskId)).status);

    // Stage 1: dispatched on the task's first session; its advance is autonomous.
    await heartbeat();
    const first = await stub.waitForRequest((r) => r.userText.includes(title));
    expect(first.userText).toContain(`session=${keyFor(1)}`);
    await beatUntil("stage 2 to be dispatched", async () => (await assignee()) === agents[1]!.id && (await status()) === "in_progress");
    const second = await stub.waitForRequest((r) => r.userText.includes(title) && r.userText.includes(`session=${keyFor(2)}`));
    expect(second.userText).toContain(`TASK: ${title}`);

    // Stage 2 is hitl: the advance waits for an approver, then runs once.
    await beatUntil("the stage-2 advance to be requested", async () => {
      const rows = await query(db, "select 1 from approvals where task_id = $1 and action = 'task.stage_advance' and status = 'pending'", [taskId]);
      return rows.length === 1;
    });
    await heartbeat();
    expect(await status()).toBe("review");
    expect(await assignee()).toBe(agents[1]!.id);
    await admin.get("/approvals");
    expect(admin.lastHtml).toContain("Advance to stage 3 (Stage 3)");
    const [approval] = await query<{ id: string; digest: string }>(
      db,
      "select id, digest from approvals where task_id = $1 and action = 'task.stage_advance'",
      [taskId],
    );
    const decided = await admin.post("/approvals", { intent: "approve", approval_id: approval!.id, digest: approval!.digest, comment: "" });
    expect(decided.status).toBeLessThan(400);
    expect(await assignee()).toBe(agents[2]!.id);
    await beatUntil("stage 3 to reach review", async () => (await assignee()) === agents[2]!.id && (await status()) === "review");
    await stub.waitForRequest((r) => r.userText.includes(title) && r.userText.includes(`session=${keyFor(3)}`));

    // The last stage ends with "done", which closes its run.
    const taskPage = `/w/${ws.slug}/tasks/${taskId}`;
    await admin.get(taskPage);
    expect((await admin.post(taskPage, { intent: "move", status: "done" })).status).toBe(302);
    expect(await status()).toBe("done");

    const runs = await query<{ position: number; session_key: string; advanced_by_type: string; finished_at: Date | null }>(
      db,
      "select position, session_key, advanced_by_type, finished_at from task_stage_runs where task_id = $1 order by started_at",
      [taskId],
    );
    expect(runs.map((r) => [r.position, r.session_key, r.advanced_by_type])).toEqual([
      [1, keyFor(1), "system"],
      [2, keyFor(2), "user"],
      [3, keyFor(3), "user"],
    ]);
    const dispatches = await query<{ key: string }>(
      db,
      "select metadata->>'session_key' as key from task_activities where task_id = $1 and type = 'dispatched' order by created_at",
      [taskId],
    );
    expect(dispatches.map((d) => d.key)).toEqual([keyFor(1), keyFor(2), keyFor(3)]);
    // Each stage's gateway usage is attributed to that stage.
    const timeline = await until("usage on every stage", async () => {
      const t = await stageTimeline(db, taskId);
      return t.every((r) => r.tokens > 0) ? t : null;
    });
    expect(timeline).toHaveLength(3);
    await admin.get(taskPage);
    expect(admin.lastHtml).toContain("stage-runs");
    await admin.get(base);
    expect(admin.lastHtml).toContain("Article");
  });
});
