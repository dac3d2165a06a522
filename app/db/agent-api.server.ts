import type { AutonomyLevel } from "#app/domain/autonomy";
import type { Agent } from "./agents.server";
import type { Database } from "./types";

// Typed calls for the agent plane: what an agent may do with its bearer token.
// Each function checks in SQL that the task is the agent's own (or the token's
// one task) and answers not_found otherwise.

export interface AuthenticatedAgent extends Agent {
  /** Set for a task-scoped token: the one task it may touch. */
  scope_task_id: string | null;
}

/** The approval an agent's request to act produced (or the pending one it already had for the same digest). */
export interface ActionApproval {
  id: string;
  status: string;
  expires_at: string;
  veto_until: string | null;
  existing: boolean;
  /** Who allowed it when the policy did: not_gated, autonomous or standing_grant. */
  by: string | null;
  /** policy (allowed at once), hotl (veto window) or hitl (an approver). */
  mode: "policy" | "hotl" | "hitl";
  /** The effective autonomy level the policy applied (absent on a returned pending twin). */
  level?: AutonomyLevel;
}

/** What the agent asks to do; the task's policy decides in SQL, the agent never does. */
export interface AgentActionInput {
  taskId: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
  digest: string;
  ttlSeconds: number;
}

export const authenticateAgentToken = (db: Database, tokenHash: string) => db.rpc<AuthenticatedAgent | null>("authenticate_agent", { p_token_hash: tokenHash });

export const agentListTasks = (db: Database, agentId: string) => db.rpc<Array<{ id: string }>>("agent_list_tasks", { p_agent_id: agentId });

export const agentGetTask = (db: Database, agentId: string, taskId: string | undefined) =>
  db.rpc<Record<string, unknown>>("agent_get_task", { p_agent_id: agentId, p_task_id: taskId });

export const agentSetStatus = (db: Database, agentId: string, taskId: string | undefined, input: { status: string; summary: string | undefined }) =>
  db.rpc<{ changed: boolean; status: string }>("agent_set_status", {
    p_agent_id: agentId,
    p_task_id: taskId,
    p_status: input.status,
    p_summary: input.summary,
  });

export const agentAddDeliverable = (db: Database, agentId: string, taskId: string | undefined, fields: Record<string, unknown>) =>
  db.rpc<Record<string, unknown>>("agent_add_deliverable", { p_agent_id: agentId, p_task_id: taskId, p_fields: fields });

/** The hottest agent call: the token is checked by the write itself, no separate authentication. */
export const agentAddActivityWithToken = (
  db: Database,
  tokenHash: string,
  taskId: string | undefined,
  activity: { type: string; message: string; metadata: Record<string, unknown> | undefined },
) =>
  db.rpc<Record<string, unknown>>("agent_add_activity_with_token", {
    p_token_hash: tokenHash,
    p_task_id: taskId,
    p_type: activity.type,
    p_message: activity.message,
    p_metadata: activity.metadata,
  });

export const agentRecordUsage = (db: Database, agentId: string, taskId: string | undefined, input: { dedupeKey: string | null; usage: unknown }) =>
  db.rpc<{ recorded: boolean }>("agent_record_usage", {
    p_agent_id: agentId,
    p_task_id: taskId,
    p_dedupe_key: input.dedupeKey,
    p_usage: input.usage,
  });

export const agentGetApproval = (db: Database, agentId: string, approvalId: string) =>
  db.rpc<{ task_id: string }>("agent_get_approval", { p_agent_id: agentId, p_approval_id: approvalId });

/** Refuses (not_found, conflict) when the agent may not upload to the task now. */
export const agentCheckFileUpload = (db: Database, agentId: string, taskId: string | undefined) =>
  db.rpc("agent_check_file_upload", { p_agent_id: agentId, p_task_id: taskId });

export const agentRequestAction = (db: Database, agentId: string, input: AgentActionInput) =>
  db.rpc<ActionApproval>("agent_request_action", {
    p_agent_id: agentId,
    p_task_id: input.taskId,
    p_action: input.action,
    p_args: input.args,
    p_target: input.target,
    p_reason: input.reason,
    p_digest: input.digest,
    p_ttl_seconds: input.ttlSeconds,
  });

/** The agent's task waits on another task of its workspace (decision 044). */
export const agentAddDependency = (db: Database, agentId: string, taskId: string | undefined, blockedById: string) =>
  db.rpc<Record<string, unknown>>("agent_add_dependency", { p_agent_id: agentId, p_task_id: taskId, p_blocked_by_id: blockedById });

/** A subtask of the agent's task, in its workspace's inbox. */
export const agentCreateSubtask = (
  db: Database,
  agentId: string,
  taskId: string | undefined,
  fields: { title: string; description: string; priority: string },
) => db.rpc<{ id: string; status: string }>("agent_create_subtask", { p_agent_id: agentId, p_task_id: taskId, p_fields: fields });
