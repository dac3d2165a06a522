import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { requestAgentApproval } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/approvals";

// POST /api/agent/approvals {"task_id","action","args","target","reason"}.
// The autonomy policy decides: 200 {"status":"approved","by":"policy"} when the
// agent may act alone; otherwise 201 {"id","status":"pending","digest",
// "expires_at","veto_until"?} — with a veto window (human on the loop) or
// waiting for an approver (human in the loop). The digest binds the exact action.
// The same pending request asked again answers 200 with that request.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent }) => {
      const body = await readJson(args.request, agentBody("requestApproval"), AGENT_OPERATIONS.requestApproval.maxBytes);
      const answer = await requestAgentApproval(rt, agent, body);
      return Response.json(answer.body, { status: answer.created ? 201 : 200 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/approvals") };
