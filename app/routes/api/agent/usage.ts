import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { reportAgentUsage } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/usage";

// POST /api/agent/tasks/:taskId/usage — same shape as the webhook's usage, plus
// an optional run_id (the report's idempotency key). A self-report: the run's
// figure only until the gateway measures the run; after that it is kept as a
// claim (201, "counted": false). A retried call changes nothing (200).
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId }) => {
      const body = await readJson(args.request, agentBody("reportUsage"), AGENT_OPERATIONS.reportUsage.maxBytes);
      const result = await reportAgentUsage(rt, agent, taskId!, body);
      return Response.json(result, { status: result.recorded ? 201 : 200 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/usage") };
