import { agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { listAgentTasks } from "#app/services/agent-plane/agent-calls.server";
import type { Route } from "./+types/tasks";

// GET /api/agent/tasks — the calling agent's open tasks (a task-scoped token sees its one task).
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent }) => Response.json({ tasks: await listAgentTasks(rt, agent) }),
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks") };
