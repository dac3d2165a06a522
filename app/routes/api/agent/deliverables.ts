import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { addAgentDeliverable } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/deliverables";

// POST /api/agent/tasks/:taskId/deliverables {"type","title","path"?,"url"?,"description"?}
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId }) => {
      const body = await readJson(args.request, agentBody("addDeliverable"), AGENT_OPERATIONS.addDeliverable.maxBytes);
      return Response.json(await addAgentDeliverable(rt, agent, taskId!, body), { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/deliverables") };
