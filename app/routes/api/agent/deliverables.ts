import { deliverableSchema } from "#app/domain/forms/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/deliverables";

// POST /api/agent/tasks/:taskId/deliverables {"type","title","path"?,"url"?,"description"?}
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId }) => {
      const body = await readJson(args.request, deliverableSchema, 64 * 1024);
      const created = await rt.db.rpc("agent_add_deliverable", { p_agent_id: agent.id, p_task_id: taskId, p_fields: body });
      return Response.json(created, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
