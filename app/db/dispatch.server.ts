import type { DispatchTask } from "#app/domain/dispatch-message";
import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for dispatch: claiming ready tasks (SKIP LOCKED, with the run's
// expected cost reserved against every budget), the task-scoped token, the
// run's record, and the failures and retries.

/** A task claimed for dispatch, with what its run's first message needs. */
export interface ClaimedTask extends DispatchTask {
  dispatch_count: number;
  dispatch_attempts: number;
  session_key: string;
  agent: { id: string; name: string; openclaw_agent_id: string; gateway_id: string | null };
}

/** Why a task is not dispatchable now (null: no such task). */
export interface NotDispatchable {
  status: string;
  reason: string;
  message: string | null;
}

export const countDispatchable = (db: Database) => db.rpc<{ ready: number }>("count_dispatchable");

/** Claims up to `limit` ready tasks for `claimSeconds`; with `taskId`, only that task. */
/** With `gateways`, only tasks whose agent's gateway is listed (or, for agents without one, when the default is connected). */
export const claimTasksForDispatch = (
  db: Database,
  limit: number,
  claimSeconds: number,
  taskId?: string,
  gateways?: { gateways: string[]; defaultGateway: boolean } | null,
) =>
  db.rpc<ClaimedTask[]>("claim_tasks_for_dispatch", {
    p_limit: limit,
    p_claim_seconds: claimSeconds,
    ...(taskId === undefined ? {} : { p_task_id: taskId }),
    ...(gateways ? { p_gateways: gateways.gateways, p_default_gateway: gateways.defaultGateway } : {}),
  });

export const explainNotDispatchable = (db: Database, taskId: string) => db.rpc<NotDispatchable | null>("explain_not_dispatchable", { p_task_id: taskId });

export const issueTaskToken = (db: Database, input: { tokenHash: string; taskId: string; agentId: string; ttlSeconds: number }) =>
  db.rpc("issue_task_token", {
    p_token_hash: input.tokenHash,
    p_task_id: input.taskId,
    p_agent_id: input.agentId,
    p_ttl_seconds: input.ttlSeconds,
  });

export const markTaskDispatched = (db: Database, taskId: string, run: { runId: string; sessionKey: string; leaseSeconds: number }) =>
  db.rpc("mark_task_dispatched", { p_task_id: taskId, p_run_id: run.runId, p_session_key: run.sessionKey, p_lease_seconds: run.leaseSeconds });

export const recordDispatchFailure = (db: Database, taskId: string, failure: { reason: string; retrySeconds: number; maxAttempts: number }) =>
  db.rpc<{ parked: boolean }>("record_dispatch_failure", {
    p_task_id: taskId,
    p_reason: failure.reason,
    p_retry_seconds: failure.retrySeconds,
    p_max_attempts: failure.maxAttempts,
  });

/** Makes a parked or failed task dispatchable again, optionally with another agent. */
export const retryDispatch = (db: Database, taskId: string, agentId: string | null, actor: Actor) =>
  db.rpc("retry_dispatch", { p_task_id: taskId, p_agent_id: agentId, p_actor: actor });

/** Ready tasks whose type gates dispatch: asks for an approval for each (at most `limit`). */
export const requestGatedDispatches = (db: Database, limit: number, ttlSeconds: number) =>
  db.rpc<Array<{ task_id: string; mode: string }>>("request_gated_dispatches", { p_limit: limit, p_ttl_seconds: ttlSeconds });

// ---------------------------------------------------------------------------
// Stop controls (decision 035)

/** A run on the gateway that a stop control asks to abort. */
export interface LiveRun {
  task_id: string;
  workspace_id: string;
  session_key: string;
  run_id: string | null;
  openclaw_agent_id: string | null;
}

/** What a stop control answers: whether it changed anything, and the runs to abort. */
export interface StopChange {
  changed: boolean;
  on: boolean;
  runs: LiveRun[];
}

export interface StopControls {
  emergency: { at: string; reason: string | null; by_name: string | null } | null;
  workspace_paused_at: string | null;
  workspace_paused_by: string | null;
  paused_agents: Array<{ id: string; name: string; paused_at: string }>;
}

export const getStopControls = (db: Database, workspaceId: string | null) => db.rpc<StopControls>("get_stop_controls", { p_workspace_id: workspaceId });

export const setEmergencyStop = (db: Database, on: boolean, reason: string | null, userId: string) =>
  db.rpc<StopChange>("set_emergency_stop", { p_on: on, p_reason: reason, p_user_id: userId });

export const setWorkspacePaused = (db: Database, workspaceId: string, on: boolean, abort: boolean, userId: string) =>
  db.rpc<StopChange>("set_workspace_paused", { p_workspace_id: workspaceId, p_on: on, p_abort: abort, p_user_id: userId });

export const setAgentPaused = (db: Database, agentId: string, on: boolean, abort: boolean, userId: string) =>
  db.rpc<StopChange>("set_agent_paused", { p_agent_id: agentId, p_on: on, p_abort: abort, p_user_id: userId });

export const recordRunAbort = (db: Database, taskId: string, runId: string | null, ok: boolean, detail: string | null, actor: Actor) =>
  db.rpc<null>("record_run_abort", { p_task_id: taskId, p_run_id: runId, p_ok: ok, p_detail: detail, p_actor: actor });
