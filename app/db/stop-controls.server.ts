import type { Actor } from "./actor";
import type { Database } from "./types";

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
