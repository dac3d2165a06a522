import type { Agent } from "#app/db/rows";
import { AppError } from "#app/domain/errors";
import { sha256Hex } from "./crypto.server";
import type { Runtime } from "./runtime.server";

export interface AuthenticatedAgent extends Agent {
  /** Set for a task-scoped token: the one task it may touch. */
  scope_task_id: string | null;
}

/**
 * The calling agent, from `Authorization: Bearer <token>` only. Identity never
 * comes from the body. A task-scoped token reaching for another task sees
 * not_found, exactly like an agent reaching for a task that is not its own.
 */
export async function authenticateAgent(rt: Runtime, request: Request, taskId?: string): Promise<AuthenticatedAgent> {
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S{20,200})$/i.exec(header)?.[1];
  if (!token) throw new AppError("unauthorized", "Send your agent token as Authorization: Bearer <token>.");
  const agent = await rt.db.rpc<AuthenticatedAgent | null>("authenticate_agent", { p_token_hash: sha256Hex(token) });
  if (!agent) throw new AppError("unauthorized", "That token is not valid (revoked, expired, or never issued).");
  if (taskId && agent.scope_task_id && agent.scope_task_id !== taskId) {
    throw new AppError("not_found", "No task with that id is assigned to you.");
  }
  return agent;
}
