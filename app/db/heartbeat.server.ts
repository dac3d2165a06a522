import type { Database } from "./types";

// Typed calls for the heartbeat: its receipts, the lease row that stands in
// for the advisory lock where there are no sessions, and the recovery steps
// (expired run leases, stalled tasks).

export interface HeartbeatAction {
  task_id: string | null;
  action: string;
  reason: string | null;
  ok: boolean;
}

/** An action as listed: with its task's title and workspace while the task exists. */
export interface ListedHeartbeatAction extends HeartbeatAction {
  task_title: string | null;
  workspace_slug: string | null;
}

export interface HeartbeatRun {
  run_id: string;
  trigger: string;
  instance: string;
  started_at: string;
  duration_ms: number;
  gateway_calls: number;
  actions: ListedHeartbeatAction[];
}

export interface HeartbeatReceiptInput {
  trigger: string;
  instance: string;
  startedAt: string;
  durationMs: number;
  actions: HeartbeatAction[];
  gatewayCalls: number;
}

export const recordHeartbeatRun = (db: Database, run: HeartbeatReceiptInput) =>
  db.rpc<{ id: string }>("record_heartbeat_run", {
    p_trigger: run.trigger,
    p_instance: run.instance,
    p_started_at: run.startedAt,
    p_duration_ms: run.durationMs,
    p_actions: run.actions,
    p_gateway_calls: run.gatewayCalls,
  });

export const listHeartbeatRuns = (db: Database, limit: number) => db.rpc<HeartbeatRun[]>("list_heartbeat_runs", { p_limit: limit });

export const lastHeartbeatAt = (db: Database) => db.rpc<{ at: string | null }>("last_heartbeat_at");

/** Takes or renews the lease for `holder`; refused while another holder's lease is live. */
export const acquireHeartbeatLease = (db: Database, holder: string, seconds: number) =>
  db.rpc<{ acquired: boolean }>("acquire_heartbeat_lease", { p_holder: holder, p_seconds: seconds });

export const releaseHeartbeatLease = (db: Database, holder: string) => db.rpc("release_heartbeat_lease", { p_holder: holder });

export const listExpiredLeases = (db: Database, limit: number) =>
  db.rpc<Array<{ id: string; run_id: string | null; session_key: string | null }>>("list_expired_leases", { p_limit: limit });

export const extendLease = (db: Database, taskId: string, leaseSeconds: number) => db.rpc("extend_lease", { p_task_id: taskId, p_lease_seconds: leaseSeconds });

export const requeueExpiredTask = (db: Database, taskId: string) => db.rpc<{ changed: boolean }>("requeue_expired_task", { p_task_id: taskId });

export const listStalledTasks = (db: Database, minutes: number, limit: number) =>
  db.rpc<Array<{ id: string; session_key: string | null; openclaw_agent_id: string | null; halt: string | null }>>("list_stalled_tasks", {
    p_minutes: minutes,
    p_limit: limit,
  });

/** Flags a stall once per quiet spell: false when it was already flagged. */
export const flagStall = (db: Database, taskId: string, minutes: number) =>
  db.rpc<{ flagged: boolean }>("flag_stall", { p_task_id: taskId, p_minutes: minutes });
