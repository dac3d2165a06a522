import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for the registered OpenClaw gateways (decision 052): the admin
// page's list and writes, the registry's connections (the only reader of the
// encrypted token), and which gateway an agent's or a task's runs go to.

export interface GatewayRow {
  id: string;
  name: string;
  url: string;
  /** How many agents run on it. */
  agents: number;
  created_at: string;
  updated_at: string;
}

/** What a connection needs; the token is the app's ciphertext (app/services/auth/gateway-tokens.server.ts). */
export interface GatewayConnectionRow {
  id: string;
  name: string;
  url: string;
  token_ciphertext: string;
  updated_at: string;
}

/** Where an agent's runs go: gateway_id null is the default gateway (OPENCLAW_GATEWAY_URL). */
export interface AgentGateway {
  agent_id: string;
  gateway_id: string | null;
}

export interface TaskGateway {
  task_id: string;
  /** Null when the task has no agent. */
  agent_id: string | null;
  gateway_id: string | null;
}

export const listGateways = (db: Database) => db.rpc<GatewayRow[]>("list_gateways");

export const listGatewayConnections = (db: Database) => db.rpc<GatewayConnectionRow[]>("list_gateway_connections");

export const createGateway = (db: Database, input: { name: string; url: string; tokenCiphertext: string }, actor: Actor) =>
  db.rpc<GatewayRow>("create_gateway", { p_name: input.name, p_url: input.url, p_token_ciphertext: input.tokenCiphertext, p_actor: actor });

/** `tokenCiphertext` null keeps the stored token. */
export const updateGateway = (db: Database, id: string, input: { name: string; url: string; tokenCiphertext: string | null }, actor: Actor) =>
  db.rpc<GatewayRow>("update_gateway", { p_gateway_id: id, p_name: input.name, p_url: input.url, p_token_ciphertext: input.tokenCiphertext, p_actor: actor });

export const deleteGateway = (db: Database, id: string, actor: Actor) =>
  db.rpc<{ id: string; deleted: true }>("delete_gateway", { p_gateway_id: id, p_actor: actor });

export const agentGateway = (db: Database, agentId: string) => db.rpc<AgentGateway | null>("agent_gateway", { p_agent_id: agentId });

export const taskGateway = (db: Database, taskId: string) => db.rpc<TaskGateway | null>("task_gateway", { p_task_id: taskId });
