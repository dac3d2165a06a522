import { activitySchema } from "#app/domain/forms/agent-api";
import { agentTokenWrite } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/activities";

// POST /api/agent/tasks/:taskId/activities {"type","message","metadata"?}
// The hottest agent call: the token is checked by the write itself.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentTokenWrite(args, async ({ rt, tokenHash, taskId, checked }) => {
    const body = await readJson(args.request, activitySchema, 64 * 1024);
    const created = await checked(() =>
      rt.db.rpc("agent_add_activity_with_token", {
        p_token_hash: tokenHash,
        p_task_id: taskId,
        p_type: body.type,
        p_message: body.message,
        p_metadata: body.metadata,
      }),
    );
    return Response.json(created, { status: 201 });
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
