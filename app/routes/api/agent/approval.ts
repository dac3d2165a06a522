import { AppError } from "#app/domain/errors";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { isUuid } from "#app/domain/ids";
import type { Route } from "./+types/approval";

// GET /api/agent/approvals/:approvalId — pending | approved | denied | expired.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent }) => {
      const id = args.params.approvalId;
      if (!isUuid(id)) throw new AppError("not_found", "No approval with that id belongs to you.");
      const approval = await rt.db.rpc<{ task_id: string }>("agent_get_approval", { p_agent_id: agent.id, p_approval_id: id });
      if (agent.scope_task_id && approval.task_id !== agent.scope_task_id) throw new AppError("not_found", "No approval with that id belongs to you.");
      return Response.json(approval);
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["GET"] };
