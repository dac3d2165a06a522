import { approvalRequestSchema } from "#app/domain/forms/agent-api";
import { approvalSubject } from "#app/domain/canonical-json";
import { checkScope, agentApi } from "#app/services/agent-api.server";
import { sha256Hex } from "#app/services/crypto.server";
import { readJson } from "#app/services/json-body.server";
import type { Route } from "./+types/approvals";

// POST /api/agent/approvals {"task_id","action","args","target","reason"} → 201
// {"id","status":"pending","digest","expires_at"}. The digest binds the exact
// action; the governance policy (autonomy levels) decides what needs one.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent }) => {
      const body = await readJson(args.request, approvalRequestSchema, 64 * 1024);
      checkScope(agent, body.task_id);
      const digest = sha256Hex(approvalSubject(body.action, body.args, body.target));
      const approval = await rt.db.rpc<{ id: string; status: string; digest: string; expires_at: string; existing: boolean }>("agent_request_approval", {
        p_agent_id: agent.id,
        p_task_id: body.task_id,
        p_action: body.action,
        p_args: body.args,
        p_target: body.target,
        p_reason: body.reason,
        p_digest: digest,
        p_ttl_seconds: rt.env.APPROVAL_TTL_MINUTES * 60,
      });
      const { id, status, expires_at } = approval;
      return Response.json({ id, status, digest, expires_at }, { status: approval.existing ? 200 : 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
