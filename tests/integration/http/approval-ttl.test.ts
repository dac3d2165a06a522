import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { SECRETS, seedAgent, seedTask, seedWorkspace, sql } from "#tests/support/agent-plane";
import { type FormClient, setUpAdmin } from "#tests/support/http-client";
import { type RunningServer, startServer } from "#tests/support/server";

// Every path that opens an approval gives it APPROVAL_TTL_MINUTES: an
// operator's gated move to done, a manual stage advance, the heartbeat's own
// requests and an agent's request. The server runs with a lifetime unlike the
// default hour, so a path that ignores the setting shows here.
const TTL_MINUTES = 7;
const TTL_S = TTL_MINUTES * 60;
const SYSTEM = { type: "system", name: "test" };

describe("approval lifetime from APPROVAL_TTL_MINUTES", () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  const types: Record<string, string> = {};

  /** Seconds between an approval's creation and its expiry, and its status. */
  const lifetime = async (approvalId: string) =>
    (await sql<{ seconds: number; status: string }>(pg.db, "select extract(epoch from expires_at - created_at)::int as seconds, status from approvals where id = $1", [approvalId]))[0]!;
  const approvalOf = async (taskId: string, action: string) =>
    (await sql<{ id: string }>(pg.db, "select id from approvals where task_id = $1 and action = $2 order by created_at desc limit 1", [taskId, action]))[0]?.id;
  /** Moves an approval's clock back, as if that much time had passed since it was asked for. */
  const age = (approvalId: string, seconds: number) =>
    sql(pg.db, "update approvals set created_at = created_at - make_interval(secs => $2), expires_at = expires_at - make_interval(secs => $2) where id = $1", [
      approvalId,
      seconds,
    ]);
  const heartbeat = async () =>
    ((await (await fetch(`${server.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`)).json()) as { actions: Array<{ task_id: string; action: string }> })
      .actions;
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
    const agent = await seedAgent(pg.db, ws.id, name);
    await sql(pg.db, "update agents set autonomy_level = 'hitl' where id = $1", [agent.id]);
    return agent;
  };

  /** A task in review at the first of two stages whose advance waits for an approver. */
  const stagedTaskInReview = async (title: string) => {
    const first = await hitlAgent(`${title} drafter`);
    const second = await hitlAgent(`${title} editor`);
    const pipeline = await pg.db.rpc<{ id: string }>("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: title }, p_actor: SYSTEM });
    for (const [i, agent] of [first, second].entries()) {
      await pg.db.rpc("add_pipeline_stage", {
        p_pipeline_id: pipeline.id,
        p_fields: { name: `Step ${i + 1}`, agent_id: agent.id, autonomy_level: "hitl", gate_advance: true },
        p_actor: SYSTEM,
      });
    }
    const task = await pg.db.rpc<{ id: string }>("create_pipeline_task", { p_workspace_id: ws.id, p_pipeline_id: pipeline.id, p_fields: { title }, p_actor: SYSTEM });
    for (const status of ["in_progress", "review"]) await pg.db.rpc("update_task", { p_task_id: task.id, p_fields: { status }, p_actor: SYSTEM });
    return task;
  };

  beforeAll(async () => {
    pg = await createTestPostgres();
    server = await startServer({ env: { DATABASE_URL: pg.url, ...SECRETS, APPROVAL_TTL_MINUTES: String(TTL_MINUTES) } });
    admin = await setUpAdmin(server.url, server.setupUrl!);
    ws = await seedWorkspace(pg.db);
    for (const row of await sql<{ id: string; key: string }>(pg.db, "select id, key from task_types")) types[row.key] = row.id;
  });

  afterAll(async () => {
    const errors = server?.errors() ?? [];
    await server?.stop();
    await pg?.drop();
    expect(errors).toEqual([]);
  });

  it("gives a gated move to done on the board an approval that expires after APPROVAL_TTL_MINUTES", async () => {
    const agent = await hitlAgent("Coder");
    // A code change gates review → done and denies on expiry.
    const task = await seedTask(pg.db, ws.id, { title: "Gated done", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.code_change });
    for (const status of ["in_progress", "review"]) await pg.db.rpc("update_task", { p_task_id: task.id, p_fields: { status }, p_actor: SYSTEM });
    await admin.get(`/w/${ws.slug}`);
    const res = await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: task.id, status: "done" });
    expect(res.status).toBe(409);
    const approvalId = (await approvalOf(task.id, "task.review_done"))!;
    expect(await lifetime(approvalId)).toEqual({ seconds: TTL_S, status: "pending" });
    await expectExpiryAfterTtl(approvalId, task.id);
    expect((await sql<{ status: string }>(pg.db, "select status from tasks where id = $1", [task.id]))[0]!.status).toBe("review");
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
    const deploy = await seedTask(pg.db, ws.id, { title: "Ship", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.deploy });
    const actions = await heartbeat();
    expect(actions.filter((a) => a.task_id === staged.id).map((a) => a.action)).toEqual(["stage_advance_requested"]);
    expect(await lifetime((await approvalOf(staged.id, "task.stage_advance"))!)).toEqual({ seconds: TTL_S, status: "pending" });
    expect(actions.filter((a) => a.task_id === deploy.id).map((a) => a.action)).toEqual(["dispatch_approval_requested"]);
    expect(await lifetime((await approvalOf(deploy.id, "task.dispatch"))!)).toEqual({ seconds: TTL_S, status: "pending" });

    const research = await seedTask(pg.db, ws.id, { title: "Look up", status: "assigned", assigned_agent_id: agent.id, task_type_id: types.research });
    const asked = await fetch(`${server.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: research.id, action: "send_email", args: { n: 1 }, target: "someone@example.test", reason: "ask" }),
    });
    expect(asked.status).toBe(201);
    const { id } = (await asked.json()) as { id: string };
    expect(await lifetime(id)).toEqual({ seconds: TTL_S, status: "pending" });
  });
});
