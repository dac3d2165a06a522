import { beforeAll, describe, expect, it } from "vitest";
import { taskSessionKey } from "#app/domain/openclaw";
import { sha256Hex } from "#app/services/auth/crypto.server";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import type { Agent } from "#app/db/agents.server";
import type { Workspace } from "#app/db/workspaces.server";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, hash64, query } from "#tests/support/fixtures";

// The agent plane's SQL functions, on both transports: claims, dispatch
// failures and parking, completion from any path exactly once, the usage
// ledger, the testing verdicts, planning, and task-scoped tokens.
describe.each(RPC_TRANSPORTS)("agent plane on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Runner", openclaw_agent_id: "main" });
  });

  const assigned = (fields: Record<string, unknown> = {}) => createTask(db(), ws.id, { status: "assigned", assigned_agent_id: agent.id, ...fields });
  const claim = (taskId?: string, limit = 10) =>
    db().rpc<Array<{ id: string; session_key: string; dispatch_attempts: number }>>("claim_tasks_for_dispatch", {
      p_limit: limit,
      p_claim_seconds: 60,
      p_task_id: taskId,
    });
  const row = async (id: string) => (await query<Record<string, unknown>>(db(), "select * from tasks where id = $1", [id]))[0]!;
  const dispatch = async (id: string, runId = `run-${id}`) => {
    const [claimed] = await claim(id);
    await db().rpc("mark_task_dispatched", { p_task_id: id, p_run_id: runId, p_session_key: claimed!.session_key, p_lease_seconds: 600 });
    return { runId, sessionKey: claimed!.session_key };
  };

  it("claims a ready task once, sets its session key and counts the attempt", async () => {
    const task = await assigned();
    const [first] = await claim(task.id);
    expect(first).toMatchObject({ id: task.id, session_key: taskSessionKey("main", task.id), dispatch_attempts: 1 });
    expect(await claim(task.id)).toEqual([]);
    expect((await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: task.id })).reason).toBe("dispatch_in_progress");
  });

  it("does not claim tasks whose agent has no OpenClaw id or is offline", async () => {
    const bare = await createAgent(db(), ws.id, { name: "Bare" });
    const offline = await createAgent(db(), ws.id, { name: "Away", openclaw_agent_id: "main", status: "offline" });
    const a = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: bare.id });
    const b = await createTask(db(), ws.id, { status: "assigned", assigned_agent_id: offline.id });
    expect(await claim(a.id)).toEqual([]);
    expect((await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: a.id })).reason).toBe("agent_has_no_openclaw_id");
    expect(await claim(b.id)).toEqual([]);
    expect((await db().rpc<{ reason: string }>("explain_not_dispatchable", { p_task_id: b.id })).reason).toBe("agent_offline");
  });

  it("marks a dispatch: in progress with a lease, agent working, one activity and events", async () => {
    const task = await assigned();
    const { runId } = await dispatch(task.id);
    const t = await row(task.id);
    expect(t).toMatchObject({ status: "in_progress", current_run_id: runId, dispatch_count: 1, dispatch_attempts: 0, claimed_until: null });
    expect(t.lease_expires_at).not.toBeNull();
    expect((await query<{ status: string }>(db(), "select status from agents where id = $1", [agent.id]))[0]!.status).toBe("working");
    expect(await query(db(), "select 1 from task_activities where task_id = $1 and type = 'dispatched'", [task.id])).toHaveLength(1);
  });

  it("retries failed dispatches with a delay, then parks the task with an alert", async () => {
    const task = await assigned();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await query(db(), "update tasks set next_dispatch_at = null where id = $1", [task.id]);
      const [claimed] = await claim(task.id);
      expect(claimed!.dispatch_attempts).toBe(attempt);
      const result = await db().rpc<{ parked: boolean; alert_reason: string }>("record_dispatch_failure", {
        p_task_id: task.id,
        p_reason: "gateway_timeout",
        p_retry_seconds: 30,
        p_max_attempts: 3,
      });
      expect(result.parked).toBe(attempt === 3);
      expect(result.alert_reason).toBe(attempt === 3 ? "dispatch_failed" : "dispatch_retrying");
    }
    const parked = await row(task.id);
    expect(parked).toMatchObject({ status: "assigned", alert_reason: "dispatch_failed", last_dispatch_error: "gateway_timeout", next_dispatch_at: null });
    // The heartbeat leaves a parked task alone; a human retry brings it back.
    expect((await claim()).map((t) => t.id)).not.toContain(task.id);
    const other = await createAgent(db(), ws.id, { name: "Backup", openclaw_agent_id: "main" });
    await db().rpc("retry_dispatch", { p_task_id: task.id, p_agent_id: other.id, p_actor: SYSTEM });
    expect(await row(task.id)).toMatchObject({ alert_reason: null, dispatch_attempts: 0, assigned_agent_id: other.id });
    const [again] = await claim(task.id);
    expect(again!.dispatch_attempts).toBe(1);
  });

  it("completes once whichever path comes first; the others change nothing", async () => {
    const task = await assigned();
    const { runId } = await dispatch(task.id);
    const first = await db().rpc<{ changed: boolean; status: string }>("complete_task", {
      p_task_id: task.id,
      p_source: "gateway",
      p_summary: "done",
      p_run_id: runId,
      p_actor: SYSTEM,
    });
    expect(first).toMatchObject({ changed: true, status: "testing" });
    const agentSays = await db().rpc<{ changed: boolean }>("agent_set_status", {
      p_agent_id: agent.id,
      p_task_id: task.id,
      p_status: "review",
      p_summary: "me too",
    });
    expect(agentSays.changed).toBe(false);
    const hook = await db().rpc<{ changed: boolean }>("apply_completion_webhook", {
      p_delivery_id: null,
      p_content_sha256: "c".repeat(64),
      p_task_id: task.id,
      p_summary: "and me",
      p_usage: null,
    });
    expect(hook.changed).toBe(false);
    expect(await query(db(), "select 1 from task_activities where task_id = $1 and type = 'completed'", [task.id])).toHaveLength(1);
    expect((await row(task.id)).status).toBe("testing");
  });

  it("skips the testing stage for a task without a test step", async () => {
    const task = await assigned();
    await query(db(), "update tasks set test_step = false where id = $1", [task.id]);
    await dispatch(task.id);
    const result = await db().rpc<{ status: string }>("complete_task", {
      p_task_id: task.id,
      p_source: "agent_api",
      p_summary: "",
      p_run_id: null,
      p_actor: SYSTEM,
    });
    expect(result.status).toBe("review");
  });

  it("records usage once per source and key, one figure per run, and keeps the task's totals", async () => {
    const task = await assigned();
    const { runId } = await dispatch(task.id);
    const usage = { model: "m", input_tokens: 100, output_tokens: 50, cache_read_tokens: 10, cache_write_tokens: 5, cost_usd: 0.25 };
    const record = (source: string, key: string | null, run: string = runId) =>
      db().rpc<{ recorded: boolean; counted?: boolean }>("record_usage", {
        p_task_id: task.id,
        p_source: source,
        p_dedupe_key: key,
        p_run_id: run,
        p_usage: usage,
      });
    expect(await record("agent_api", runId)).toMatchObject({ recorded: true, counted: true });
    expect((await record("agent_api", runId)).recorded).toBe(false);
    // A second self-report for the same run is kept as a claim, not added.
    expect(await record("webhook", "delivery-1")).toMatchObject({ recorded: true, counted: false });
    expect((await record("webhook", "delivery-1")).recorded).toBe(false);
    expect(await record("webhook", "delivery-2", "another-run")).toMatchObject({ recorded: true, counted: true });
    const t = await row(task.id);
    expect(Number(t.token_usage)).toBe(2 * 165);
    expect(Number(t.estimated_cost)).toBeCloseTo(0.5, 6);
    expect((await appError(record("nope", null))).code).toBe("invalid");
  });

  it("ignores a failure report from a run that is no longer the task's", async () => {
    const task = await assigned();
    const { runId } = await dispatch(task.id);
    expect((await db().rpc<{ changed: boolean }>("record_run_failure", { p_task_id: task.id, p_run_id: "stale", p_reason: "x" })).changed).toBe(false);
    expect((await db().rpc<{ changed: boolean }>("record_run_failure", { p_task_id: task.id, p_run_id: runId, p_reason: "model error" })).changed).toBe(true);
    expect(await row(task.id)).toMatchObject({ status: "assigned", alert_reason: "run_failed" });
  });

  const toTesting = async () => {
    const task = await assigned();
    const { runId } = await dispatch(task.id);
    await db().rpc("complete_task", { p_task_id: task.id, p_source: "gateway", p_summary: "", p_run_id: runId, p_actor: SYSTEM });
    return task;
  };
  const claimTesting = async (holder: string, leaseSeconds = 60) =>
    (
      await db().rpc<Array<{ id: string; deliverables: unknown[] }>>("claim_testing_tasks", { p_holder: holder, p_limit: 100, p_lease_seconds: leaseSeconds })
    ).map((t) => t.id);

  it("turns testing verdicts into review, rework or a human check, for the claim's holder only", async () => {
    const verdicts: Array<[string, string, string | null]> = [
      ["pass", "review", null],
      ["fail", "assigned", "checks_failed"],
      ["none_checkable", "review", "no_checkable_deliverable"],
      ["partial", "review", "deliverables_unchecked"],
    ];
    for (const [verdict, status, alert] of verdicts) {
      const task = await toTesting();
      expect(await claimTesting(`holder-${verdict}`)).toContain(task.id);
      const results = verdict === "fail" ? [{ deliverable_id: "d", ok: false, reason: "file_missing", message: "report.md is missing" }] : [];
      // Another run's verdict is refused and changes nothing.
      expect(
        (await db().rpc<{ changed: boolean }>("finish_testing", { p_task_id: task.id, p_verdict: "pass", p_results: [], p_holder: "someone-else" })).changed,
      ).toBe(false);
      expect(await row(task.id)).toMatchObject({ status: "testing" });
      await db().rpc("finish_testing", { p_task_id: task.id, p_verdict: verdict, p_results: results, p_holder: `holder-${verdict}` });
      expect(await row(task.id)).toMatchObject({ status, alert_reason: alert });
      if (verdict === "fail") {
        const [failed] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'check_failed'", [task.id]);
        expect(failed!.message).toBe("report.md is missing");
      }
      expect(
        (await db().rpc<{ changed: boolean }>("finish_testing", { p_task_id: task.id, p_verdict: "pass", p_results: [], p_holder: `holder-${verdict}` }))
          .changed,
      ).toBe(false);
    }
    expect((await appError(db().rpc("finish_testing", { p_task_id: (await toTesting()).id, p_verdict: "maybe", p_results: [], p_holder: "h" }))).code).toBe(
      "invalid",
    );
  });

  it("claims each task in testing once until its claim is settled, handed back or lapsed", async () => {
    const task = await toTesting();
    expect(await claimTesting("first")).toContain(task.id);
    expect(await claimTesting("second")).not.toContain(task.id);
    expect((await db().rpc<{ released: boolean }>("release_testing_claim", { p_task_id: task.id, p_holder: "second" })).released).toBe(false);
    expect((await db().rpc<{ released: boolean }>("release_testing_claim", { p_task_id: task.id, p_holder: "first" })).released).toBe(true);
    expect(await claimTesting("second", 1)).toContain(task.id);
    // A lapsed claim (its holder died) is taken over, and the old holder's verdict no longer applies.
    await query(db(), "update testing_claims set expires_at = now() - interval '1 second' where task_id = $1", [task.id]);
    expect(await claimTesting("third")).toContain(task.id);
    expect((await db().rpc<{ changed: boolean }>("finish_testing", { p_task_id: task.id, p_verdict: "pass", p_results: [], p_holder: "second" })).changed).toBe(
      false,
    );
    expect((await appError(db().rpc("claim_testing_tasks", { p_holder: "", p_limit: 1, p_lease_seconds: 60 }))).code).toBe("invalid");
  });

  it("does not apply a verdict to a later stay in testing than the one checked", async () => {
    const task = await toTesting();
    expect(await claimTesting("slow")).toContain(task.id);
    // The task leaves testing and comes back (a new stay) while the slow check still runs.
    for (const status of ["assigned", "in_progress", "testing"]) await query(db(), "update tasks set status = $2 where id = $1", [task.id, status]);
    expect((await db().rpc<{ changed: boolean }>("finish_testing", { p_task_id: task.id, p_verdict: "fail", p_results: [], p_holder: "slow" })).changed).toBe(
      false,
    );
    expect(await row(task.id)).toMatchObject({ status: "testing" });
    expect(await claimTesting("fresh")).toContain(task.id);
  });

  it("plans: questions from the current run only, answers once, spec assigns in one step", async () => {
    const task = await createTask(db(), ws.id, { status: "planning", assigned_agent_id: agent.id });
    const key = taskSessionKey("main", task.id);
    await db().rpc("record_planning_run", { p_task_id: task.id, p_run_id: "p1", p_session_key: key });
    expect((await db().rpc<{ added: boolean }>("add_planning_question", { p_task_id: task.id, p_run_id: "old", p_question: "?", p_options: [] })).added).toBe(
      false,
    );
    const q = await db().rpc<{ added: boolean; id: string }>("add_planning_question", {
      p_task_id: task.id,
      p_run_id: "p1",
      p_question: "Which?",
      p_options: ["A", "B"],
    });
    expect(q.added).toBe(true);
    const user = { type: "user", name: "Op" };
    await db().rpc("answer_planning_question", { p_task_id: task.id, p_question_id: q.id, p_answer: "A", p_actor: user });
    expect((await appError(db().rpc("answer_planning_question", { p_task_id: task.id, p_question_id: q.id, p_answer: "B", p_actor: user }))).code).toBe(
      "conflict",
    );
    await db().rpc("record_planning_run", { p_task_id: task.id, p_run_id: "p2", p_session_key: key });
    expect((await db().rpc<{ changed: boolean }>("finish_planning", { p_task_id: task.id, p_run_id: "p1", p_spec: { spec: "stale" } })).changed).toBe(false);
    expect((await db().rpc<{ changed: boolean }>("finish_planning", { p_task_id: task.id, p_run_id: "p2", p_spec: { spec: "S" } })).changed).toBe(true);
    expect(await row(task.id)).toMatchObject({ status: "assigned", planning_spec: { spec: "S" } });
    const state = await db().rpc<{ questions: Array<{ answer: string }> }>("planning_state", { p_task_id: task.id });
    expect(state.questions.map((x) => x.answer)).toEqual(["A"]);
  });

  it("cancels planning back to the inbox, and refuses it for other statuses", async () => {
    const task = await createTask(db(), ws.id, { status: "planning" });
    await db().rpc("cancel_planning", { p_task_id: task.id, p_actor: SYSTEM });
    expect((await row(task.id)).status).toBe("inbox");
    expect((await appError(db().rpc("cancel_planning", { p_task_id: task.id, p_actor: SYSTEM }))).code).toBe("conflict");
  });

  it("authenticates task tokens for their task and agent only, while valid", async () => {
    const task = await assigned();
    const hash = hash64();
    await db().rpc("issue_task_token", { p_token_hash: hash, p_task_id: task.id, p_agent_id: agent.id, p_ttl_seconds: 60 });
    expect(await db().rpc("authenticate_agent", { p_token_hash: hash })).toMatchObject({ id: agent.id, scope_task_id: task.id });
    const expired = hash64();
    await db().rpc("issue_task_token", { p_token_hash: expired, p_task_id: task.id, p_agent_id: agent.id, p_ttl_seconds: 0 });
    expect(await db().rpc("authenticate_agent", { p_token_hash: expired })).toBeNull();
    const other = await createAgent(db(), ws.id, { name: "Next", openclaw_agent_id: "main" });
    await db().rpc("update_task", { p_task_id: task.id, p_fields: { assigned_agent_id: other.id }, p_actor: SYSTEM });
    expect(await db().rpc("authenticate_agent", { p_token_hash: hash })).toBeNull();
    const own = await createAgent(db(), ws.id, { name: "Owner" }, { hash: sha256Hex("long-lived"), hint: "long" });
    expect(await db().rpc("authenticate_agent", { p_token_hash: sha256Hex("long-lived") })).toMatchObject({ id: own.id, scope_task_id: null });
  });

  it("shows dispatch state, usage and approvals on the task detail", async () => {
    const task = await assigned();
    const { runId, sessionKey } = await dispatch(task.id);
    await db().rpc("record_usage", {
      p_task_id: task.id,
      p_source: "gateway",
      p_dedupe_key: runId,
      p_run_id: runId,
      p_usage: { model: "m", input_tokens: 1, output_tokens: 2 },
    });
    const detail = await db().rpc<Record<string, unknown> & { usage: unknown[] }>("get_task_by_id", { p_task_id: task.id });
    expect(detail).toMatchObject({ session_key: sessionKey, run_id: runId, assignee_openclaw_id: "main", test_step: true });
    expect(detail.usage).toEqual([expect.objectContaining({ source: "gateway", input_tokens: 1, output_tokens: 2, provenance: "unpriced", cost_usd: null })]);
  });
});
