import { agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readAgentApproval } from "#app/services/agent-plane/agent-calls.server";
import type { Route } from "./+types/approval";

// GET /api/agent/approvals/:approvalId — pending | approved | denied | expired.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent }) => Response.json(await readAgentApproval(rt, agent, args.params.approvalId)),
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/approvals/{approvalId}") };
