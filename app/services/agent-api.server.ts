import type { RouterContextProvider } from "react-router";
import { requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import { type AuthenticatedAgent, authenticateAgent } from "./agent-auth.server";
import { apiHandler, withAuthBudget } from "./api.server";
import { isUuid } from "#app/domain/ids";
import type { Runtime } from "./runtime.server";

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
export function agentApi(
  args: { request: Request; context: Readonly<RouterContextProvider>; params: Record<string, string | undefined> },
  methods: Record<string, (call: AgentCall) => Promise<Response>>,
): Promise<Response> {
  const { rt, log, clientIp } = args.context.get(requestContext);
  return apiHandler(log, async () => {
    const handler = methods[args.request.method.toUpperCase()];
    if (!handler) {
      throw new AppError("method_not_allowed", `Use ${Object.keys(methods).join(" or ")}.`);
    }
    const rawTaskId = args.params.taskId;
    if (rawTaskId !== undefined && !isUuid(rawTaskId)) throw new AppError("not_found", "No task with that id is assigned to you.");
    const taskId = rawTaskId?.toLowerCase();
    const agent = await withAuthBudget(rt, clientIp, () => authenticateAgent(rt, args.request, taskId));
    if (args.request.method !== "GET") await rt.limits.consume("write", `agent:${agent.id}`);
    return handler({ rt, agent, taskId, log: log.child({ agent_id: agent.id, task_id: taskId }) });
  }).then((res) => (res.status === 405 ? withAllow(res, Object.keys(methods)) : res));
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
