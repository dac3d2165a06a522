import { agentRequestAction } from "#app/db/agent-api.server";
import { approvalSubject } from "#app/domain/canonical-json";
import { sha256Hex } from "../auth/crypto.server";
import type { Runtime } from "../runtime.server";

// An agent's request to act. The agent states what it wants; the task's
// autonomy policy decides in SQL (agent_request_action, with the same
// task_gate and standing grants as every other gated action): allowed at once
// by policy, scheduled behind a veto window, or held for an approver. Every
// outcome is recorded, so the audit log sees all three. The digest binds the
// approval to exactly this action.

export interface ActionRequest {
  task_id: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
}

export async function requestAgentAction(rt: Pick<Runtime, "db" | "env">, agentId: string, request: ActionRequest) {
  const digest = sha256Hex(approvalSubject(request.action, request.args, request.target));
  const approval = await agentRequestAction(rt.db, agentId, {
    taskId: request.task_id,
    action: request.action,
    args: request.args,
    target: request.target,
    reason: request.reason,
    digest,
    ttlSeconds: rt.env.approvalTtlSeconds,
  });
  return { approval, digest, mode: approval.mode };
}
