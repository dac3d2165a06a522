import { agentRequestAction } from "#app/db/agent-api.server";
import { policyContext, standingGrantFor } from "#app/db/governance.server";
import { decideGate, effectiveLevel } from "#app/domain/autonomy";
import { approvalSubject } from "#app/domain/canonical-json";
import { sha256Hex } from "../auth/crypto.server";
import type { Runtime } from "../runtime.server";

// Applies the autonomy policy (app/domain/autonomy.ts) to an agent's request
// to act: allowed at once by policy, scheduled behind a veto window, or held
// for an approver; a standing grant (low risk only) lets a granted action
// through. Every outcome is recorded, so the audit log sees all three.

export interface ActionRequest {
  task_id: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
}

export async function requestAgentAction(rt: Runtime, agentId: string, request: ActionRequest) {
  const [ctx, grant] = await Promise.all([
    policyContext(rt.db, request.task_id),
    standingGrantFor(rt.db, request.task_id, request.action),
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
  const approval = await agentRequestAction(rt.db, agentId, {
    taskId: request.task_id,
    action: request.action,
    args: request.args,
    target: request.target,
    reason: request.reason,
    digest,
    ttlSeconds: rt.env.approvalTtlSeconds,
    mode,
    vetoSeconds: gate.kind === "veto_window" ? gate.minutes * 60 : 0,
    policy: gate.kind === "allow" ? gate.by : null,
  });
  return { approval, digest, level, mode };
}
