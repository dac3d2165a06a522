import { agentUsageSchema } from "#app/domain/forms/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/usage";

// POST /api/agent/tasks/:taskId/usage — same shape as the webhook's usage, plus
// an optional run_id (the report's idempotency key). A self-report: the run's
// figure only until the gateway measures the run; after that it is kept as a
// claim (201, "counted": false). A retried call changes nothing (200).
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId }) => {
      const { run_id, ...usage } = await readJson(args.request, agentUsageSchema, 16 * 1024);
      const result = await rt.db.rpc<{ recorded: boolean }>("agent_record_usage", {
        p_agent_id: agent.id,
        p_task_id: taskId,
        p_dedupe_key: run_id ?? null,
        p_usage: usage,
      });
      return Response.json(result, { status: result.recorded ? 201 : 200 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
