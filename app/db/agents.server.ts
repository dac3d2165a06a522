import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for a workspace's agents and their API tokens (only the hash is stored).

export interface Agent {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  emoji: string;
  model: string;
  openclaw_agent_id: string | null;
  /** The registered gateway its runs go to; null: the default gateway (decision 052). */
  gateway_id: string | null;
  status: "standby" | "working" | "offline";
  autonomy_level: "hitl" | "hotl" | "autonomous";
  has_token: boolean;
  token_hint: string | null;
  token_created_at: string | null;
  created_at: string;
  updated_at: string;
  active_tasks?: number;
}

export interface AgentTokenHash {
  hash: string;
  hint: string;
}

export const listAgents = (db: Database, workspaceId: string) => db.rpc<Agent[]>("list_agents", { p_workspace_id: workspaceId });

export const getAgent = (db: Database, agentId: string) => db.rpc<Agent | null>("get_agent", { p_agent_id: agentId });

/** With a null token the agent has none until one is rotated in. */
export const createAgent = (db: Database, workspaceId: string, fields: Record<string, unknown>, token: AgentTokenHash | null, actor: Actor) =>
  db.rpc<Agent>("create_agent", {
    p_workspace_id: workspaceId,
    p_fields: fields,
    p_token_hash: token?.hash ?? null,
    p_token_hint: token?.hint ?? null,
    p_actor: actor,
  });

export const updateAgent = (db: Database, agentId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<Agent>("update_agent", { p_agent_id: agentId, p_fields: fields, p_actor: actor });

export const rotateAgentToken = (db: Database, agentId: string, token: AgentTokenHash, actor: Actor) =>
  db.rpc<Agent>("rotate_agent_token", { p_agent_id: agentId, p_token_hash: token.hash, p_token_hint: token.hint, p_actor: actor });

export const deleteAgent = (db: Database, agentId: string, actor: Actor) => db.rpc("delete_agent", { p_agent_id: agentId, p_actor: actor });
