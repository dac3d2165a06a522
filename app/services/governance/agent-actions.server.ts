import { type AutonomyLevel, type GatedAction, type Risk, decideGate, effectiveLevel } from "#app/domain/autonomy";
import { approvalSubject } from "#app/domain/canonical-json";
import { sha256Hex } from "../auth/crypto.server";
import type { Runtime } from "../runtime.server";

// Applies the autonomy policy (app/domain/autonomy.ts) to an agent's request
// to act: allowed at once by policy, scheduled behind a veto window, or held
// for an approver; a standing grant (low risk only) lets a granted action
// through. Every outcome is recorded, so the audit log sees all three.

interface PolicyContext {
  agent_level: AutonomyLevel;
  type_level: AutonomyLevel | null;
  /** The current pipeline stage's level, null outside a pipeline. */
  stage_level: AutonomyLevel | null;
  risk: Risk;
  gated_actions: GatedAction[];
  veto_minutes: number;
}

export interface ActionRequest {
  task_id: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
}

export async function requestAgentAction(rt: Runtime, agentId: string, request: ActionRequest) {
  const [ctx, grant] = await Promise.all([
    rt.db.rpc<PolicyContext | null>("policy_context", { p_task_id: request.task_id }),
    rt.db.rpc<{ granted: boolean }>("standing_grant_for", { p_task_id: request.task_id, p_action: request.action }),
  ]);
  const level = effectiveLevel({ agent: ctx?.agent_level ?? "hitl", taskType: ctx?.type_level ?? null, stage: ctx?.stage_level ?? null, risk: ctx?.risk ?? "low" });
  const gate = decideGate({
    action: "agent_action",
    gated: ctx?.gated_actions ?? ["agent_action"],
    level,
    vetoMinutes: ctx?.veto_minutes ?? 10,
    standingGrant: grant.granted,
    risk: ctx?.risk ?? "low",
  });
  const digest = sha256Hex(approvalSubject(request.action, request.args, request.target));
  const mode = gate.kind === "allow" ? "policy" : gate.kind === "veto_window" ? "hotl" : "hitl";
  const approval = await rt.db.rpc<{ id: string; status: string; expires_at: string; veto_until: string | null; existing: boolean; by: string | null }>(
    "agent_request_action",
    {
      p_agent_id: agentId,
      p_task_id: request.task_id,
      p_action: request.action,
      p_args: request.args,
      p_target: request.target,
      p_reason: request.reason,
      p_digest: digest,
      p_ttl_seconds: rt.env.approvalTtlSeconds,
      p_mode: mode,
      p_veto_seconds: gate.kind === "veto_window" ? gate.minutes * 60 : 0,
      p_policy: gate.kind === "allow" ? gate.by : null,
    },
  );
  return { approval, digest, level, mode };
}
