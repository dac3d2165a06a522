import { type ApprovalInboxItem, decideApproval, decideApprovalWithGrant, listApprovals } from "#app/db/governance.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { decisionSchema } from "#app/domain/forms/approvals";
import { parseForm } from "#app/domain/forms/parse";
import type { Logger } from "../observability/logger.server";

// An approver's decision, from whichever page it is taken (the approvals
// inbox, a task's page). The rules are the database's: the approver role,
// separation of duties (nobody decides their own request), the digest of the
// action the approver saw, expiry; a refusal is an AppError.

export const DECISION_INTENTS = { approve: "approved", deny: "denied", approve_grant: "approved" } as const;
export type DecisionIntent = keyof typeof DECISION_INTENTS;

/** What the toast says after a decision. */
export function decisionMessage(intent: DecisionIntent): string {
  return intent === "approve_grant" ? "Approved, and allowed for the rest of this task." : intent === "approve" ? "Approved." : "Denied.";
}

export function isDecisionIntent(intent: string): intent is DecisionIntent {
  return Object.hasOwn(DECISION_INTENTS, intent);
}

export type DecisionInput = { ok: true; approvalId: string } | { ok: false; errors: Record<string, string> };

/**
 * Decides the approval the form names. Returns the field errors of a form
 * that does not parse (nothing decided); throws the database's refusal.
 * `belongs` lets a page limit decisions to the approvals it shows.
 */
export async function decideFromForm(
  deps: { db: Database; log: Logger },
  user: { id: string },
  intent: DecisionIntent,
  form: FormData,
  belongs: (approvalId: string) => boolean = () => true,
): Promise<DecisionInput> {
  const parsed = parseForm(form, decisionSchema);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  if (!belongs(parsed.data.approval_id)) throw new AppError("not_found", "That request is not waiting on this task.");
  await decide(deps, user, intent, { approvalId: parsed.data.approval_id, digest: parsed.data.digest, comment: parsed.data.comment });
  return { ok: true, approvalId: parsed.data.approval_id };
}

/**
 * Decides one approval for `user`, from a page's form or the operator API:
 * the database checks the approver role, separation of duties, the digest and
 * expiry, and throws its refusal.
 */
export async function decide(
  deps: { db: Database; log: Logger },
  user: { id: string },
  intent: DecisionIntent,
  input: { approvalId: string; digest: string; comment: string },
): Promise<void> {
  const decision = { ...input, userId: user.id };
  // "Approve & allow for this task" also leaves a standing grant (low risk only, enforced in SQL).
  if (intent === "approve_grant") await decideApprovalWithGrant(deps.db, decision);
  else await decideApproval(deps.db, decision, DECISION_INTENTS[intent]);
  deps.log.info({ event: "approval.decided", approval_id: input.approvalId, decision: intent, by: user.id }, "approval decided");
}

/** The approvals inbox's list: the pending requests, or those decided (newest 100). */
export async function approvalsInbox(db: Database, show: "pending" | "decided"): Promise<ApprovalInboxItem[]> {
  const items = await listApprovals(db, show === "pending" ? "pending" : null, 100);
  return show === "pending" ? items.filter((a) => a.status === "pending") : items.filter((a) => a.status !== "pending");
}
