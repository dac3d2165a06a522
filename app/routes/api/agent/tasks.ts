import { agentApi } from "#app/services/agent-plane/agent-api.server";
import type { Route } from "./+types/tasks";

// GET /api/agent/tasks — the calling agent's open tasks (a task-scoped token sees its one task).
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent }) => {
      const tasks = await rt.db.rpc<Array<{ id: string }>>("agent_list_tasks", { p_agent_id: agent.id });
      return Response.json({ tasks: agent.scope_task_id ? tasks.filter((t) => t.id === agent.scope_task_id) : tasks });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["GET"] };
