import { beforeAll, describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, RISKS } from "#app/domain/autonomy";
import { decideGate, effectiveLevel } from "#tests/support/autonomy-policy";
import { taskSessionKey } from "#app/domain/openclaw";
import type { SqlDatabase } from "#app/db/types";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, createAgent, createWorkspace, query, unique } from "#tests/support/fixtures";

// Pipelines in the database: template validation, the advance across three
// stages with one session per stage, and the stage level in every gate.

interface Stage {
  id: string;
  position: number;
  name: string;
}

async function makePipeline(db: SqlDatabase, ws: Workspace, stages: Array<{ agent: string; autonomy_level?: string; gate_advance?: boolean }>) {
  const p = await db.rpc<{ id: string }>("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: unique("pipe") }, p_actor: SYSTEM });
  const out: Stage[] = [];
  for (const [i, s] of stages.entries()) {
    out.push(
      await db.rpc<Stage>("add_pipeline_stage", {
        p_pipeline_id: p.id,
        p_fields: { name: `Stage ${i + 1}`, agent_id: s.agent, autonomy_level: s.autonomy_level ?? "autonomous", gate_advance: s.gate_advance ?? true },
        p_actor: SYSTEM,
      }),
    );
  }
  return { id: p.id, stages: out };
}

async function taskState(db: SqlDatabase, id: string) {
  const [row] = await query<{ status: string; stage_id: string; assigned_agent_id: string; session_key: string | null }>(
    db,
    "select status, stage_id, assigned_agent_id, session_key from tasks where id = $1",
    [id],
  );
  return row!;
}

/** What the dispatcher and the gateway would do for one stage: claim, start, finish into review. */
async function workStage(db: SqlDatabase, taskId: string, usageTokens = 0) {
  const [claimed] = await db.rpc<Array<{ id: string; session_key: string }>>("claim_tasks_for_dispatch", {
    p_limit: 1,
    p_claim_seconds: 60,
    p_task_id: taskId,
  });
  expect(claimed, "claimable").toBeDefined();
  const runId = `run-${unique("r")}`;
  await db.rpc("mark_task_dispatched", { p_task_id: taskId, p_run_id: runId, p_session_key: claimed!.session_key, p_lease_seconds: 600 });
  if (usageTokens) {
    await db.rpc("record_usage", {
      p_task_id: taskId,
      p_source: "gateway",
      p_dedupe_key: runId,
      p_run_id: runId,
      p_usage: { input_tokens: usageTokens, cost_usd: 0.5 },
    });
  }
  const done = await db.rpc<{ status: string }>("complete_task", { p_task_id: taskId, p_source: "gateway", p_summary: "ok", p_run_id: runId, p_actor: SYSTEM });
  expect(done.status).toBe("testing");
  await query(db, "update tasks set status = 'review' where id = $1", [taskId]);
  return claimed!.session_key;
}

describe.each(TRANSPORTS)("pipelines on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agents: string[];
  let types: Record<string, string>;
  let approver: string;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agents = [];
    for (const oc of ["main", "writer", "editor"]) {
      const a = await createAgent(db(), ws.id, { openclaw_agent_id: oc });
      await query(db(), "update agents set autonomy_level = 'autonomous' where id = $1", [a.id]);
      agents.push(a.id);
    }
    types = Object.fromEntries((await query<{ id: string; key: string }>(db(), "select id, key from task_types")).map((r) => [r.key, r.id]));
    const [u] = await query<{ id: string }>(db(), "insert into users (email, name, role, password_hash) values ($1, 'Ann', 'approver', 'h') returning id", [
      `${kind}-pipe-appr@a.test`,
    ]);
    approver = u!.id;
  });

  async function approve(approvalId: string) {
    const [a] = await query<{ digest: string }>(db(), "select digest from approvals where id = $1", [approvalId]);
    await db().rpc("decide_approval", { p_approval_id: approvalId, p_decision: "approved", p_user_id: approver, p_digest: a!.digest, p_comment: "" });
  }

  it("validates templates with field errors", async () => {
    await expect(db().rpc("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: "  " }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "invalid",
      details: { fields: { name: expect.any(String) } },
    });
    const p = await db().rpc<{ id: string; name: string }>("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: "Content" }, p_actor: SYSTEM });
    await expect(db().rpc("create_pipeline", { p_workspace_id: ws.id, p_fields: { name: "Content" }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "invalid",
      details: { fields: { name: "Already used in this workspace" } },
    });
    const other = await createWorkspace(db());
    const stranger = await createAgent(db(), other.id, {});
    await expect(
      db().rpc("add_pipeline_stage", { p_pipeline_id: p.id, p_fields: { name: "", agent_id: stranger.id, autonomy_level: "yolo" }, p_actor: SYSTEM }),
    ).rejects.toMatchObject({
      code: "invalid",
      details: { fields: { name: expect.any(String), agent_id: expect.any(String), autonomy_level: expect.any(String) } },
    });
    await expect(db().rpc("add_pipeline_stage", { p_pipeline_id: p.id, p_fields: { name: "Draft" }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "invalid",
      details: { fields: { agent_id: expect.any(String) } },
    });
    const s1 = await db().rpc<Stage>("add_pipeline_stage", { p_pipeline_id: p.id, p_fields: { name: "Draft", agent_id: agents[0] }, p_actor: SYSTEM });
    const s2 = await db().rpc<Stage>("add_pipeline_stage", { p_pipeline_id: p.id, p_fields: { name: "Edit", agent_id: agents[1] }, p_actor: SYSTEM });
    expect([s1.position, s2.position]).toEqual([1, 2]);
    await db().rpc("move_pipeline_stage", { p_stage_id: s2.id, p_direction: -1, p_actor: SYSTEM });
    const moved = await db().rpc<{ stages: Stage[] }>("get_pipeline", { p_pipeline_id: p.id });
    expect(moved.stages.map((s) => s.name)).toEqual(["Edit", "Draft"]);
    await expect(db().rpc("update_pipeline_stage", { p_stage_id: s1.id, p_fields: { gate_advance: "maybe" }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "invalid",
    });
    await expect(
      db().rpc("create_pipeline_task", { p_workspace_id: other.id, p_pipeline_id: p.id, p_fields: { title: "x" }, p_actor: SYSTEM }),
    ).rejects.toMatchObject({
      code: "invalid",
      details: { fields: { pipeline_id: expect.any(String) } },
    });
    const task = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "x" },
      p_actor: SYSTEM,
    });
    await expect(db().rpc("delete_pipeline_stage", { p_stage_id: s2.id, p_actor: SYSTEM })).rejects.toMatchObject({ code: "conflict" });
    await expect(db().rpc("delete_pipeline", { p_pipeline_id: p.id, p_actor: SYSTEM })).rejects.toMatchObject({ code: "conflict" });
    await query(db(), "delete from tasks where id = $1", [task.id]);
    const after = await db().rpc<{ stages: Stage[] }>("delete_pipeline_stage", { p_stage_id: s2.id, p_actor: SYSTEM });
    expect(after.stages.map((s) => [s.position, s.name])).toEqual([[1, "Draft"]]);
  });

  it("advances across three stages, one session and one run record per stage", async () => {
    const p = await makePipeline(
      db(),
      ws,
      agents.map((agent) => ({ agent, gate_advance: false })),
    );
    const task = await db().rpc<{ id: string; status: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "Three stages" },
      p_actor: SYSTEM,
    });
    expect(task.status).toBe("assigned");
    expect(await taskState(db(), task.id)).toMatchObject({ stage_id: p.stages[0]!.id, assigned_agent_id: agents[0] });
    const keys: string[] = [];
    for (const [i, oc] of ["main", "writer", "editor"].entries()) {
      const key = await workStage(db(), task.id, 100 * (i + 1));
      expect(key).toBe(taskSessionKey(oc, task.id, i + 1));
      keys.push(key);
      if (i < 2) {
        const [r] = await db().rpc<Array<{ advanced: boolean }>>("request_stage_advances", { p_limit: 10, p_ttl_seconds: 600 });
        expect(r).toMatchObject({ task_id: task.id, advanced: true, mode: "allow" });
        expect(await taskState(db(), task.id)).toMatchObject({
          status: "assigned",
          stage_id: p.stages[i + 1]!.id,
          assigned_agent_id: agents[i + 1],
          session_key: null,
        });
        // A late event on the finished stage's session finds nothing.
        expect(await db().rpc("find_task_by_session", { p_session_key: key })).toBeNull();
      }
    }
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe(`agent:main:mc-task-${task.id}`);
    // Last stage: done, not advance.
    await expect(db().rpc("advance_task_stage", { p_task_id: task.id, p_actor: SYSTEM })).rejects.toMatchObject({ code: "conflict" });
    await db().rpc("update_task", { p_task_id: task.id, p_fields: { status: "done" }, p_actor: SYSTEM });
    const timeline = await db().rpc<Array<Record<string, unknown>>>("task_stage_timeline", { p_task_id: task.id });
    expect(timeline.map((r) => [r.position, r.tokens, Number(r.cost_usd), r.session_key, (r.advanced_by as { name: string }).name])).toEqual([
      [1, 100, 0.5, keys[0], "pipeline"],
      [2, 200, 0.5, keys[1], "pipeline"],
      [3, 300, 0.5, keys[2], "test"],
    ]);
    expect(timeline.every((r) => r.finished_at !== null)).toBe(true);
    const card = await db().rpc<{ pipeline: { position: number; stages: Stage[] } }>("get_task_by_id", { p_task_id: task.id });
    expect(card.pipeline).toMatchObject({ position: 3, stages: [{ position: 1 }, { position: 2 }, { position: 3 }] });
  });

  it("refuses done on an earlier stage, and advances when asked from review", async () => {
    const p = await makePipeline(db(), ws, [{ agent: agents[0]!, gate_advance: false }, { agent: agents[1]! }]);
    const task = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "t" },
      p_actor: SYSTEM,
    });
    await expect(db().rpc("advance_task_stage", { p_task_id: task.id, p_actor: SYSTEM })).rejects.toMatchObject({ code: "conflict" });
    await workStage(db(), task.id);
    await expect(db().rpc("update_task", { p_task_id: task.id, p_fields: { status: "done" }, p_actor: SYSTEM })).rejects.toMatchObject({
      code: "conflict",
      details: { needs_stage_advance: true },
    });
    const user = { type: "user", id: approver, name: "Ann" };
    const r = await db().rpc<{ advanced: boolean }>("request_stage_advance", { p_task_id: task.id, p_actor: user, p_ttl_seconds: 600 });
    expect(r.advanced).toBe(true);
    const [run] = await query<{ advanced_by_type: string; advanced_by_name: string }>(
      db(),
      "select advanced_by_type, advanced_by_name from task_stage_runs where task_id = $1 and position = 1",
      [task.id],
    );
    expect(run).toEqual({ advanced_by_type: "user", advanced_by_name: "Ann" });
    // Usage that arrives for stage 1's run after the advance still counts for stage 1.
    const [dispatched] = await query<{ run_id: string }>(
      db(),
      "select metadata->>'run_id' as run_id from task_activities where task_id = $1 and type = 'dispatched'",
      [task.id],
    );
    await db().rpc("record_usage", {
      p_task_id: task.id,
      p_source: "gateway",
      p_dedupe_key: dispatched!.run_id,
      p_run_id: dispatched!.run_id,
      p_usage: { input_tokens: 42 },
    });
    const timeline = await db().rpc<Array<{ position: number; tokens: number }>>("task_stage_timeline", { p_task_id: task.id });
    expect(timeline.map((r) => [r.position, r.tokens])).toEqual([
      [1, 42],
      [2, 0],
    ]);
  });

  it("hitl: the advance waits for an approver and runs once", async () => {
    const p = await makePipeline(db(), ws, [{ agent: agents[0]!, autonomy_level: "hitl" }, { agent: agents[1]! }, { agent: agents[2]! }]);
    const task = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "t" },
      p_actor: SYSTEM,
    });
    await workStage(db(), task.id);
    const [r] = await db().rpc<Array<{ advanced: boolean; mode: string; approval_id: string }>>("request_stage_advances", { p_limit: 10, p_ttl_seconds: 600 });
    expect(r).toMatchObject({ task_id: task.id, advanced: false, mode: "hitl" });
    expect(await db().rpc("request_stage_advances", { p_limit: 10, p_ttl_seconds: 600 })).toEqual([]);
    expect((await taskState(db(), task.id)).status).toBe("review");
    // Asking again (an operator's click) returns the same request.
    const again = await db().rpc<{ approval: { id: string } }>("request_stage_advance", { p_task_id: task.id, p_actor: SYSTEM, p_ttl_seconds: 600 });
    expect(again.approval.id).toBe(r!.approval_id);
    await approve(r!.approval_id);
    expect(await taskState(db(), task.id)).toMatchObject({ status: "assigned", stage_id: p.stages[1]!.id });
    const advances = await query(db(), "select 1 from task_activities where task_id = $1 and type = 'stage_advanced'", [task.id]);
    expect(advances).toHaveLength(1);
    const [run] = await query<{ advanced_by_type: string; approval_id: string }>(
      db(),
      "select advanced_by_type, approval_id from task_stage_runs where task_id = $1 and position = 1",
      [task.id],
    );
    expect(run).toEqual({ advanced_by_type: "user", approval_id: r!.approval_id });
  });

  it("hotl: the advance runs when the veto window closes", async () => {
    const p = await makePipeline(db(), ws, [{ agent: agents[0]!, autonomy_level: "hotl" }, { agent: agents[1]! }]);
    const task = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "t" },
      p_actor: SYSTEM,
    });
    await workStage(db(), task.id);
    const [r] = await db().rpc<Array<{ mode: string; approval_id: string }>>("request_stage_advances", { p_limit: 10, p_ttl_seconds: 600 });
    expect(r).toMatchObject({ advanced: false, mode: "hotl" });
    expect((await taskState(db(), task.id)).status).toBe("review");
    await query(db(), "update approvals set veto_until = now() - interval '1 second' where id = $1", [r!.approval_id]);
    const closed = await db().rpc<Array<{ id: string }>>("close_veto_windows", { p_limit: 100 });
    expect(closed.map((c) => c.id)).toContain(r!.approval_id);
    expect(await taskState(db(), task.id)).toMatchObject({ status: "assigned", stage_id: p.stages[1]!.id });
    const [run] = await query<{ advanced_by_name: string }>(db(), "select advanced_by_name from task_stage_runs where task_id = $1 and position = 1", [
      task.id,
    ]);
    expect(run!.advanced_by_name).toBe("hotl_window");
  });

  it("autonomous advances at once, but a high-risk type is never autonomous", async () => {
    const p = await makePipeline(db(), ws, [{ agent: agents[0]!, autonomy_level: "autonomous" }, { agent: agents[1]! }]);
    const low = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "low" },
      p_actor: SYSTEM,
    });
    await workStage(db(), low.id);
    const lowR = await db().rpc<{ advanced: boolean; gate: string }>("request_stage_advance", { p_task_id: low.id, p_actor: SYSTEM, p_ttl_seconds: 600 });
    expect(lowR).toMatchObject({ advanced: true, gate: "allow" });
    // The deploy type is high risk (hitl by default); an autonomous-everything
    // research type stays autonomous, a high-risk one is capped at hotl.
    await query(db(), "update task_types set default_autonomy = 'hotl', gated_actions = '{stage_advance}' where key = 'outbound_message'");
    const high = await db().rpc<{ id: string }>("create_pipeline_task", {
      p_workspace_id: ws.id,
      p_pipeline_id: p.id,
      p_fields: { title: "high", task_type_id: types.outbound_message },
      p_actor: SYSTEM,
    });
    await workStage(db(), high.id);
    const gate = await db().rpc<{ gate: string; level: string }>("task_gate", { p_task_id: high.id, p_action: "stage_advance" });
    expect(gate).toMatchObject({ gate: "hotl", level: "hotl" });
    const highR = await db().rpc<{ advanced: boolean; gate: string }>("request_stage_advance", { p_task_id: high.id, p_actor: SYSTEM, p_ttl_seconds: 600 });
    expect(highR).toMatchObject({ advanced: false, gate: "hotl" });
  });

  it("feeds the stage level into every gate exactly as app/domain/autonomy.ts decides", async () => {
    const [type] = await query<{ id: string }>(
      db(),
      "insert into task_types (key, name, risk, default_autonomy, gated_actions) values ($1, 'T', 'low', 'autonomous', '{dispatch,review_done,agent_action}') returning id",
      [`t_${kind}`],
    );
    const risks = RISKS;
    for (const stageLevel of AUTONOMY_LEVELS) {
      for (const gateAdvance of [true, false]) {
        const p = await makePipeline(db(), ws, [{ agent: agents[0]!, autonomy_level: stageLevel, gate_advance: gateAdvance }, { agent: agents[1]! }]);
        const task = await db().rpc<{ id: string }>("create_pipeline_task", {
          p_workspace_id: ws.id,
          p_pipeline_id: p.id,
          p_fields: { title: "g", task_type_id: type!.id, status: "inbox" },
          p_actor: SYSTEM,
        });
        for (const risk of risks) {
          await query(db(), "update task_types set risk = $2, default_autonomy = case when $2 = 'high' then 'hotl' else 'autonomous' end where id = $1", [
            type!.id,
            risk,
          ]);
          for (const action of ["dispatch", "stage_advance", "review_done", "agent_action"] as const) {
            const gate = await db().rpc<{ gate: string }>("task_gate", { p_task_id: task.id, p_action: action });
            const gated = action === "stage_advance" ? (gateAdvance ? ["stage_advance" as const] : []) : (["dispatch", "review_done", "agent_action"] as const);
            const level = effectiveLevel({ agent: "autonomous", taskType: risk === "high" ? "hotl" : "autonomous", stage: stageLevel, risk });
            const expected = decideGate({ action, gated: [...gated], level, vetoMinutes: 10, risk });
            expect(gate.gate, JSON.stringify({ stageLevel, gateAdvance, risk, action })).toBe(
              expected.kind === "allow" ? "allow" : expected.kind === "veto_window" ? "hotl" : "hitl",
            );
          }
        }
      }
    }
  });
});
