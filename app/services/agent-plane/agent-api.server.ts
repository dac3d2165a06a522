import type { RouterContextProvider } from "react-router";
import { type RequestState, requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import type { AuthenticatedAgent } from "#app/db/agent-api.server";
import { authenticateAgent, bearerTokenHash, knownAgentId } from "../auth/agent-auth.server";
import { apiHandler, withAuthBudget } from "../http/json-api.server";
import { isUuid } from "#app/domain/ids";
import type { Runtime } from "../runtime.server";

export interface AgentCall {
  rt: Runtime;
  agent: AuthenticatedAgent;
  taskId: string | undefined;
  log: Runtime["log"];
}

/**
 * Runs an agent API handler: JSON errors, the bearer token checked (and a
 * task-scoped token held to its task), the path's task id validated, and only
 * the methods the route takes (405 with Allow otherwise).
 */
export function agentApi(args: AgentArgs, methods: Record<string, (call: AgentCall) => Promise<Response>>): Promise<Response> {
  return agentRequest(args, Object.keys(methods), async ({ rt, log, clientIp, method, taskId }) => {
    const agent = await withAuthBudget(rt, clientIp, () => authenticateAgent(rt.db, bearerTokenHash(args.request), taskId));
    if (method !== "GET") await rt.limits.consume("write", `agent:${agent.id}`);
    return methods[method]!({ rt, agent, taskId, log: log.child({ agent_id: agent.id, task_id: taskId }) });
  });
}

export interface TokenWriteCall {
  rt: Runtime;
  /** The token's hash: the write's SQL checks it (valid, and scoped to this task if task-scoped). */
  tokenHash: string;
  taskId: string | undefined;
  log: Runtime["log"];
  /** Runs the write; a refused token spends the client's failed-authentication budget. */
  checked<T>(write: () => Promise<T>): Promise<T>;
}

/**
 * An agent write in one round trip: its SQL function checks the token itself.
 * The agent's write budget is charged first, keyed by the agent the token
 * belongs to, which this process remembers from the token's first call (that
 * one authenticates separately).
 */
export function agentTokenWrite(args: AgentArgs, handler: (call: TokenWriteCall) => Promise<Response>): Promise<Response> {
  return agentRequest(args, ["POST"], async ({ rt, log, clientIp, taskId }) => {
    const checked = <T>(fn: () => Promise<T>) => withAuthBudget(rt, clientIp, fn);
    const tokenHash = await checked(async () => bearerTokenHash(args.request));
    const agentId = knownAgentId(tokenHash) ?? (await checked(() => authenticateAgent(rt.db, tokenHash, taskId))).id;
    await rt.limits.consume("write", `agent:${agentId}`);
    return handler({ rt, tokenHash, taskId, log: log.child({ agent_id: agentId, task_id: taskId }), checked });
  });
}

export interface McpCall {
  rt: Runtime;
  agent: AuthenticatedAgent;
  tokenHash: string;
  log: Runtime["log"];
}

/**
 * The MCP endpoint's POST: the bearer token checked as on every agent API
 * call (a refusal spends the client's failed-authentication budget), before
 * any of the body is read. Writes are charged per tool call, not here: one
 * POST may only list tools.
 */
export function agentMcpRequest(args: AgentArgs, handler: (call: McpCall) => Promise<Response>): Promise<Response> {
  return agentRequest(args, ["POST"], async ({ rt, log, clientIp }) => {
    const tokenHash = await withAuthBudget(rt, clientIp, async () => bearerTokenHash(args.request));
    const agent = await withAuthBudget(rt, clientIp, () => authenticateAgent(rt.db, tokenHash));
    return handler({ rt, agent, tokenHash, log: log.child({ agent_id: agent.id, via: "mcp" }) });
  });
}

type AgentArgs = { request: Request; context: Readonly<RouterContextProvider>; params: Record<string, string | undefined> };

/** JSON errors, only the methods the route takes (405 with Allow otherwise), and the path's task id validated. */
function agentRequest(
  args: AgentArgs,
  allowed: string[],
  run: (ctx: RequestState & { method: string; taskId: string | undefined }) => Promise<Response>,
): Promise<Response> {
  const ctx = args.context.get(requestContext);
  return apiHandler(ctx.log, async () => {
    const method = args.request.method.toUpperCase();
    if (!allowed.includes(method)) throw new AppError("method_not_allowed", `Use ${allowed.join(" or ")}.`);
    const rawTaskId = args.params.taskId;
    if (rawTaskId !== undefined && !isUuid(rawTaskId)) throw new AppError("not_found", "No task with that id is assigned to you.");
    return run({ ...ctx, method, taskId: rawTaskId?.toLowerCase() });
  }).then((res) => (res.status === 405 ? withAllow(res, allowed) : res));
}

function withAllow(res: Response, methods: string[]): Response {
  const headers = new Headers(res.headers);
  headers.set("Allow", methods.join(", "));
  return new Response(res.body, { status: res.status, headers });
}

/** A task-scoped token may only open approvals for its own task. */
export function checkScope(agent: AuthenticatedAgent, taskId: string): void {
  if (agent.scope_task_id && agent.scope_task_id !== taskId) throw new AppError("not_found", "No task with that id is assigned to you.");
}
