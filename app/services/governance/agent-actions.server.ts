import type { AutonomyLevel } from "#app/domain/autonomy";
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

export interface ActionApproval {
  id: string;
  status: string;
  expires_at: string;
  veto_until: string | null;
  existing: boolean;
  /** Who allowed it when the policy did: not_gated, autonomous or standing_grant. */
  by: string | null;
  /** policy (allowed at once), hotl (veto window) or hitl (an approver). */
  mode: "policy" | "hotl" | "hitl";
  /** The effective autonomy level the policy applied (absent on a returned pending twin). */
  level?: AutonomyLevel;
}

export async function requestAgentAction(rt: Runtime, agentId: string, request: ActionRequest) {
  const digest = sha256Hex(approvalSubject(request.action, request.args, request.target));
  const approval = await rt.db.rpc<ActionApproval>("agent_request_action", {
    p_agent_id: agentId,
    p_task_id: request.task_id,
    p_action: request.action,
    p_args: request.args,
    p_target: request.target,
    p_reason: request.reason,
    p_digest: digest,
    p_ttl_seconds: rt.env.approvalTtlSeconds,
  });
  return { approval, digest, mode: approval.mode };
}
