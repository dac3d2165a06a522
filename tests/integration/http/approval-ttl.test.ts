import { beforeAll, describe, expect, it } from "vitest";
import { addStage, createPipeline, createPipelineTask } from "#app/db/pipelines.server";
import { SYSTEM, createAgentWithToken, createTask, createWorkspace, query, updateTask } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import type { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Every path that opens an approval gives it APPROVAL_TTL_MINUTES: an
// operator's gated move to done, a manual stage advance, the heartbeat's own
// requests and an agent's request. The server runs with a lifetime unlike the
// default hour, so a path that ignores the setting shows here.
const TTL_MINUTES = 7;
const TTL_S = TTL_MINUTES * 60;

describe("approval lifetime from APPROVAL_TTL_MINUTES", () => {
  const app = useTestServer({ env: { APPROVAL_TTL_MINUTES: String(TTL_MINUTES) } });
  let admin: FormClient;
  let ws: { id: string; slug: string };
  const types: Record<string, string> = {};

  /** Seconds between an approval's creation and its expiry, and its status. */
  const lifetime = async (approvalId: string) =>
    (
      await query<{ seconds: number; status: string }>(
        app.db,
        "select extract(epoch from expires_at - created_at)::int as seconds, status from approvals where id = $1",
        [approvalId],
      )
    )[0]!;
  const approvalOf = async (taskId: string, action: string) =>
    (await query<{ id: string }>(app.db, "select id from approvals where task_id = $1 and action = $2 order by created_at desc limit 1", [taskId, action]))[0]
      ?.id;
  /** Moves an approval's clock back, as if that much time had passed since it was asked for. */
  const age = (approvalId: string, seconds: number) =>
    query(
      app.db,
      "update approvals set created_at = created_at - make_interval(secs => $2), expires_at = expires_at - make_interval(secs => $2) where id = $1",
      [approvalId, seconds],
    );
  const heartbeat = async () =>
    ((await (await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`)).json()) as { actions: Array<{ task_id: string; action: string }> }).actions;
  /** Passes the approval's lifetime in two steps: still pending just before it ends, expired by the heartbeat just after. */
  const expectExpiryAfterTtl = async (approvalId: string, taskId: string) => {
    await age(approvalId, TTL_S - 30);
    expect((await heartbeat()).filter((a) => a.task_id === taskId && a.action === "approval_expired")).toEqual([]);
    expect((await lifetime(approvalId)).status).toBe("pending");
    await age(approvalId, 60);
    expect((await heartbeat()).filter((a) => a.task_id === taskId).map((a) => a.action)).toContain("approval_expired");
    expect((await lifetime(approvalId)).status).toBe("expired");
  };
  /** An agent that waits for a human on everything. */
  const hitlAgent = async (name: string) => {
    const agent = await createAgentWithToken(app.db, ws.id, { name });
    await query(app.db, "update agents set autonomy_level = 'hitl' where id = $1", [agent.id]);
    return agent;
  };

  /** A task in review at the first of two stages whose advance waits for an approver. */
  const stagedTaskInReview = async (title: string) => {
    const first = await hitlAgent(`${title} drafter`);
    const second = await hitlAgent(`${title} editor`);
    const pipeline = await createPipeline(app.db, ws.id, { name: title, description: "" }, SYSTEM);
    for (const [i, agent] of [first, second].entries()) {
      await addStage(app.db, pipeline.id, { name: `Step ${i + 1}`, agent_id: agent.id, autonomy_level: "hitl", gate_advance: true }, SYSTEM);
    }
    const task = await createPipelineTask(app.db, ws.id, pipeline.id, { title }, SYSTEM);
    for (const status of ["in_progress", "review"]) await updateTask(app.db, task.id, { status });
    return task;
  };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
    for (const row of await query<{ id: string; key: string }>(app.db, "select id, key from task_types")) types[row.key] = row.id;
  });

  it("gives a gated move to done on the board an approval that expires after APPROVAL_TTL_MINUTES", async () => {
    const agent = await hitlAgent("Coder");
    // A code change gates review → done and denies on expiry.
    const task = await createTask(app.db, ws.id, { title: "Gated done", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.code_change });
    for (const status of ["in_progress", "review"]) await updateTask(app.db, task.id, { status });
    await admin.get(`/w/${ws.slug}`);
    const res = await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: task.id, status: "done" });
    expect(res.status).toBe(409);
    const approvalId = (await approvalOf(task.id, "task.review_done"))!;
    expect(await lifetime(approvalId)).toEqual({ seconds: TTL_S, status: "pending" });
    await expectExpiryAfterTtl(approvalId, task.id);
    expect((await query<{ status: string }>(app.db, "select status from tasks where id = $1", [task.id]))[0]!.status).toBe("review");
  });

  it("gives a manual stage advance from the task page an approval that expires after APPROVAL_TTL_MINUTES", async () => {
    const task = await stagedTaskInReview("Staged");
    const page = `/w/${ws.slug}/tasks/${task.id}`;
    await admin.get(page);
    const res = await admin.post(page, { intent: "advance" });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Advancing to the next stage needs an approver");
    const approvalId = (await approvalOf(task.id, "task.stage_advance"))!;
    expect(await lifetime(approvalId)).toEqual({ seconds: TTL_S, status: "pending" });
    await expectExpiryAfterTtl(approvalId, task.id);
  });

  it("gives the heartbeat's stage advance and gated dispatch, and an agent's request, the same lifetime", async () => {
    const staged = await stagedTaskInReview("Left in review");
    const agent = await hitlAgent("Deployer");
    // A deploy gates its dispatch: the heartbeat asks for it.
    const deploy = await createTask(app.db, ws.id, { title: "Ship", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    const actions = await heartbeat();
    expect(actions.filter((a) => a.task_id === staged.id).map((a) => a.action)).toEqual(["stage_advance_requested"]);
    expect(await lifetime((await approvalOf(staged.id, "task.stage_advance"))!)).toEqual({ seconds: TTL_S, status: "pending" });
    expect(actions.filter((a) => a.task_id === deploy.id).map((a) => a.action)).toEqual(["dispatch_approval_requested"]);
    expect(await lifetime((await approvalOf(deploy.id, "task.dispatch"))!)).toEqual({ seconds: TTL_S, status: "pending" });

    const research = await createTask(app.db, ws.id, { title: "Look up", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.research });
    const asked = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: research.id, action: "send_email", args: { n: 1 }, target: "someone@example.test", reason: "ask" }),
    });
    expect(asked.status).toBe(201);
    const { id } = (await asked.json()) as { id: string };
    expect(await lifetime(id)).toEqual({ seconds: TTL_S, status: "pending" });
  });
});
