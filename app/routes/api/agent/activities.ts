import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentTokenWrite } from "#app/services/agent-plane/agent-api.server";
import { addAgentActivity } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/activities";

// POST /api/agent/tasks/:taskId/activities {"type","message","metadata"?}
// The hottest agent call: the token is checked by the write itself.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentTokenWrite(args, async ({ rt, tokenHash, taskId, checked }) => {
    const body = await readJson(args.request, agentBody("addActivity"), AGENT_OPERATIONS.addActivity.maxBytes);
    const created = await checked(() => addAgentActivity(rt, tokenHash, taskId!, body));
    return Response.json(created, { status: 201 });
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/activities") };
