import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentAddDependency } from "#app/db/agent-api.server";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/dependencies";

// POST /api/agent/tasks/:taskId/dependencies {"blocked_by"} — the task waits on
// another task of its workspace (decision 044); a cycle is refused (409) with its chain.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId }) => {
      const body = await readJson(args.request, agentBody("addDependency"), AGENT_OPERATIONS.addDependency.maxBytes);
      const links = await agentAddDependency(rt.db, agent.id, taskId, body.blocked_by);
      return Response.json({ task_id: taskId, links }, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/dependencies") };
