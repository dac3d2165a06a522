import type { Agent } from "#app/db/rows";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { sha256Hex } from "./crypto.server";

export interface AuthenticatedAgent extends Agent {
  /** Set for a task-scoped token: the one task it may touch. */
  scope_task_id: string | null;
}

/** The SHA-256 of the token in `Authorization: Bearer <token>`, the only place identity comes from (never the body). */
export function bearerTokenHash(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S{20,200})$/i.exec(header)?.[1];
  if (!token) throw new AppError("unauthorized", "Send your agent token as Authorization: Bearer <token>.");
  return sha256Hex(token);
}

// Which agent a token hash belongs to never changes (a token is issued to one
// agent and only ever revoked), so it may be remembered. Whether the token is
// still valid may not: every call checks that in SQL.
const agentOfToken = new Map<string, string>();
const REMEMBERED_TOKENS = 10_000;

/** The agent a token was issued to, if this process has seen the token authenticate before. */
export function knownAgentId(tokenHash: string): string | undefined {
  return agentOfToken.get(tokenHash);
}

/**
 * The calling agent. A task-scoped token reaching for another task sees
 * not_found, exactly like an agent reaching for a task that is not its own.
 */
export async function authenticateAgent(db: Database, tokenHash: string, taskId?: string): Promise<AuthenticatedAgent> {
  const agent = await db.rpc<AuthenticatedAgent | null>("authenticate_agent", { p_token_hash: tokenHash });
  if (!agent) throw new AppError("unauthorized", "That token is not valid (revoked, expired, or never issued).");
  if (agentOfToken.size >= REMEMBERED_TOKENS) agentOfToken.clear();
  agentOfToken.set(tokenHash, agent.id);
  if (taskId && agent.scope_task_id && agent.scope_task_id !== taskId) {
    throw new AppError("not_found", "No task with that id is assigned to you.");
  }
  return agent;
}
