import type { AutonomyLevel } from "#app/domain/autonomy";
import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for governance: task types and their policy, autonomy levels,
// approvals (requested, decided, expired, vetoed) and standing grants.

export interface TaskType {
  id: string;
  key: string;
  name: string;
  risk: "low" | "medium" | "high";
  default_autonomy: "hitl" | "hotl" | "autonomous";
  gated_actions: string[];
  veto_minutes: number;
  expiry_policy: "deny" | "escalate";
  /** Command patterns an autonomous agent runs without asking (decision 043). */
  exec_allowlist: string[];
}

export interface Approval {
  id: string;
  task_id: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
  digest: string;
  status: "pending" | "approved" | "denied" | "expired" | "cancelled";
  expires_at: string;
  created_at: string;
  decided_at: string | null;
  comment: string | null;
  by: string | null;
  mode: "hitl" | "hotl" | "policy";
  veto_until: string | null;
  escalated: boolean;
}

/** An approval as the approvals inbox lists it, with its task and who asked. */
export interface ApprovalInboxItem extends Approval {
  task: { id: string; title: string; status: string; estimated_cost: number; token_usage: number };
  workspace: { slug: string; name: string; icon: string };
  requester: string;
  requester_type: "agent" | "user";
  requested_by_user_id: string | null;
  /** The person who decided (or whose change cancelled the request); null for policy outcomes. */
  decided_by_name: string | null;
  risk: "low" | "medium" | "high";
  task_type: string | null;
}

/** A request waiting on one task, with who asked and the task type's risk. */
export type TaskApproval = Approval & Pick<ApprovalInboxItem, "requester" | "requester_type" | "requested_by_user_id" | "risk" | "task_type">;

export interface StandingGrant {
  id: string;
  action: string;
  created_at: string;
  granted_by: string | null;
  /** False once the task's type is no longer low risk: the grant then allows nothing. */
  honoured: boolean;
}

export interface ApprovalDecision {
  approvalId: string;
  userId: string;
  digest: string;
  comment: string;
}

export const listTaskTypes = (db: Database) => db.rpc<TaskType[]>("list_task_types");

export const taskTypeOf = (db: Database, taskId: string) =>
  db.rpc<{ id: string; key: string; name: string; risk: string } | null>("task_type_of", { p_task_id: taskId });

export const updateTaskType = (db: Database, id: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc("update_task_type", { p_id: id, p_fields: fields, p_actor: actor });

export const setAgentAutonomy = (db: Database, agentId: string, level: AutonomyLevel, actor: Actor) =>
  db.rpc("set_agent_autonomy", { p_agent_id: agentId, p_level: level, p_actor: actor });

export const listStandingGrants = (db: Database, taskId: string) => db.rpc<StandingGrant[]>("list_standing_grants", { p_task_id: taskId });

export const revokeStandingGrant = (db: Database, grantId: string, userId: string | null) =>
  db.rpc("revoke_standing_grant", { p_grant_id: grantId, p_user_id: userId });

/** Asks the approvers to mark a task in review done, once per review round (the round's request if it exists). */
export const requestDoneApproval = (db: Database, taskId: string, userId: string | null | undefined, ttlSeconds: number) =>
  db.rpc<Approval>("request_done_approval", {
    p_task_id: taskId,
    p_user_id: userId,
    p_ttl_seconds: ttlSeconds,
  });

export const listApprovals = (db: Database, status: "pending" | null, limit: number) =>
  db.rpc<ApprovalInboxItem[]>("list_approvals", { p_status: status, p_limit: limit });

/** One approval in the inbox's shape, or null (unknown, or its task deleted). */
export const getApproval = (db: Database, approvalId: string) => db.rpc<ApprovalInboxItem | null>("get_approval", { p_approval_id: approvalId });

export const listTaskApprovals = (db: Database, taskId: string) => db.rpc<TaskApproval[]>("list_task_approvals", { p_task_id: taskId });

export const countPendingApprovals = (db: Database) => db.rpc<{ pending: number }>("count_pending_approvals");

const decisionArgs = (d: ApprovalDecision) => ({ p_approval_id: d.approvalId, p_user_id: d.userId, p_digest: d.digest, p_comment: d.comment });

export const decideApproval = (db: Database, decision: ApprovalDecision, outcome: "approved" | "denied") =>
  db.rpc("decide_approval", { ...decisionArgs(decision), p_decision: outcome });

/** Approves and leaves a standing grant for the task (low risk only, enforced in SQL). */
export const decideApprovalWithGrant = (db: Database, decision: ApprovalDecision) => db.rpc("decide_approval_with_grant", decisionArgs(decision));

/** Approvals whose veto window closed without an objection: approved now. */
export const closeVetoWindows = (db: Database, limit: number) => db.rpc<Array<{ id: string; task_id: string }>>("close_veto_windows", { p_limit: limit });

/** Approvals past their expiry: expired or escalated, by the task type's expiry policy. */
export const expireApprovals = (db: Database, limit: number) =>
  db.rpc<Array<{ id: string; task_id: string; outcome: "expired" | "escalated" }>>("expire_approvals", { p_limit: limit });

// ---------------------------------------------------------------------------
// Exec approvals (decision 043)

/** One command an agent asked to run, as the gateway described it. */
export interface ExecRequestInput {
  gateway_request_id: string;
  command: string;
  argv: string[] | null;
  cwd: string | null;
  host: string | null;
  gateway_agent_id: string | null;
  session_key: string | null;
  run_id: string | null;
  tool_call_id: string | null;
  gateway_expires_at: string;
}

export interface ExecRequest {
  id: string;
  gateway_request_id: string;
  workspace_id: string | null;
  task_id: string | null;
  agent_id: string | null;
  gateway_agent_id: string | null;
  session_key: string | null;
  run_id: string | null;
  tool_call_id: string | null;
  command: string;
  argv: string[] | null;
  cwd: string | null;
  host: string | null;
  digest: string;
  gate: "allow" | "hotl" | "hitl" | "deny";
  gate_by: string;
  approval_id: string | null;
  decision: "allow-once" | "deny" | null;
  decision_reason: string | null;
  decided_at: string | null;
  gateway_expires_at: string;
  resolved_at: string | null;
  resolve_error: string | null;
  created_at: string;
  approval: {
    status: Approval["status"];
    mode: Approval["mode"];
    veto_until: string | null;
    expires_at: string;
    decided_by_name: string | null;
    by: string | null;
  } | null;
}

/** Records a request and decides it by policy; a request seen before comes back with `replayed: true`. */
export const recordExecRequest = (db: Database, request: ExecRequestInput, deadline: string, ttlSeconds: number) =>
  db.rpc<ExecRequest & { replayed: boolean }>("record_exec_request", { p_request: request, p_deadline: deadline, p_ttl_seconds: ttlSeconds });

/** Requests whose decision the gateway has not taken yet (deciding those whose approval was decided). */
export const settleExecRequests = (db: Database, limit: number) => db.rpc<ExecRequest[]>("settle_exec_requests", { p_limit: limit });

/** The gateway took the decision (error null) or refused it. */
export const markExecResolved = (db: Database, id: string, error: string | null) => db.rpc<ExecRequest>("mark_exec_resolved", { p_id: id, p_error: error });

export const listTaskExecRequests = (db: Database, taskId: string, limit: number) =>
  db.rpc<ExecRequest[]>("list_task_exec_requests", { p_task_id: taskId, p_limit: limit });
