import { approvalRequestSchema } from "#app/domain/forms/agent-api";
import { agentApi, checkScope } from "#app/services/agent-plane/agent-api.server";
import { requestAgentAction } from "#app/services/governance/agent-actions.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/approvals";

// POST /api/agent/approvals {"task_id","action","args","target","reason"}.
// The autonomy policy decides: 200 {"status":"approved","by":"policy"} when the
// agent may act alone; otherwise 201 {"id","status":"pending","digest",
// "expires_at","veto_until"?} — with a veto window (human on the loop) or
// waiting for an approver (human in the loop). The digest binds the exact action.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent }) => {
      const body = await readJson(args.request, approvalRequestSchema, 64 * 1024);
      checkScope(agent, body.task_id);
      const { approval, digest, mode } = await requestAgentAction(rt, agent.id, body);
      if (mode === "policy") {
        return Response.json({ id: approval.id, status: "approved", by: "policy", policy: approval.by, digest }, { status: 200 });
      }
      const { id, status, expires_at, veto_until } = approval;
      return Response.json({ id, status, digest, expires_at, ...(veto_until ? { veto_until } : {}) }, { status: approval.existing ? 200 : 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
