import type { Agent, Actor, Board, FeedEvent, TaskDetail, Workspace, WorkspaceSummary } from "./rows";
import type { Database } from "./types";

// Typed calls to the SQL functions the pages use. One function, one round trip.

export const listWorkspaces = (db: Database) => db.rpc<WorkspaceSummary[]>("list_workspaces");

export const getWorkspaceBySlug = (db: Database, slug: string) =>
  db.rpc<Workspace | null>("get_workspace_by_slug", { p_slug: slug });

export const createWorkspace = (db: Database, input: { name: string; slug: string; icon: string }, actor: Actor) =>
  db.rpc<Workspace>("create_workspace", { p_name: input.name, p_slug: input.slug, p_icon: input.icon, p_actor: actor });

export const updateWorkspace = (db: Database, id: string, input: { name: string; icon: string }, actor: Actor) =>
  db.rpc<Workspace>("update_workspace", { p_workspace_id: id, p_name: input.name, p_icon: input.icon, p_actor: actor });

export const deleteWorkspace = (db: Database, id: string, actor: Actor) =>
  db.rpc("delete_workspace", { p_workspace_id: id, p_actor: actor });

export const getBoard = (db: Database, workspaceId: string, limits: Record<string, number> = {}) =>
  db.rpc<Board>("get_board", { p_workspace_id: workspaceId, p_limits: limits });

export const getTask = (db: Database, taskId: string) => db.rpc<TaskDetail | null>("get_task_by_id", { p_task_id: taskId });

export const createTask = (db: Database, workspaceId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<{ id: string; status: string }>("create_task", { p_workspace_id: workspaceId, p_fields: fields, p_actor: actor });

export const updateTask = (db: Database, taskId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<{ id: string; status: string; changed: string[] }>("update_task", { p_task_id: taskId, p_fields: fields, p_actor: actor });

export const deleteTask = (db: Database, taskId: string, actor: Actor) => db.rpc("delete_task", { p_task_id: taskId, p_actor: actor });

export const listAgents = (db: Database, workspaceId: string) => db.rpc<Agent[]>("list_agents", { p_workspace_id: workspaceId });

export const getAgent = (db: Database, agentId: string) => db.rpc<Agent | null>("get_agent", { p_agent_id: agentId });

export const createAgent = (
  db: Database,
  workspaceId: string,
  fields: Record<string, unknown>,
  token: { hash: string; hint: string },
  actor: Actor,
) =>
  db.rpc<Agent>("create_agent", {
    p_workspace_id: workspaceId,
    p_fields: fields,
    p_token_hash: token.hash,
    p_token_hint: token.hint,
    p_actor: actor,
  });

export const updateAgent = (db: Database, agentId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<Agent>("update_agent", { p_agent_id: agentId, p_fields: fields, p_actor: actor });

export const rotateAgentToken = (db: Database, agentId: string, token: { hash: string; hint: string }, actor: Actor) =>
  db.rpc<Agent>("rotate_agent_token", { p_agent_id: agentId, p_token_hash: token.hash, p_token_hint: token.hint, p_actor: actor });

export const deleteAgent = (db: Database, agentId: string, actor: Actor) => db.rpc("delete_agent", { p_agent_id: agentId, p_actor: actor });

export const getWorkspaceFeed = (db: Database, workspaceId: string, kind: "task" | "agent" | null, before: number | null, limit = 50) =>
  db.rpc<FeedEvent[]>("get_workspace_feed", { p_workspace_id: workspaceId, p_kind: kind, p_before: before, p_limit: limit });

export interface TaskType {
  id: string;
  key: string;
  name: string;
  risk: "low" | "medium" | "high";
  default_autonomy: "hitl" | "hotl" | "autonomous";
  gated_actions: string[];
  veto_minutes: number;
  expiry_policy: "deny" | "escalate";
}

export const listTaskTypes = (db: Database) => db.rpc<TaskType[]>("list_task_types");

export const taskTypeOf = (db: Database, taskId: string) =>
  db.rpc<{ id: string; key: string; name: string; risk: string } | null>("task_type_of", { p_task_id: taskId });
