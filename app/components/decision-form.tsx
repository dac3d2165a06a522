import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { SubmitButton } from "./submit-button";

/** What the decision form needs of a waiting request. */
export interface DecidableApproval {
  id: string;
  digest: string;
  mode: string;
  risk: "low" | "medium" | "high";
  requested_by_user_id: string | null;
}

/**
 * Approve, approve and allow for the task (low risk only), or deny (veto in a
 * veto window), with an optional comment: the one form for a decision, on the
 * approvals inbox and on the task page. The requester never decides their own
 * request; the rules themselves are in SQL.
 */
export function DecisionForm(props: { approval: DecidableApproval; canDecide: boolean; userId: string; preventScrollReset?: boolean }) {
  const { approval: a, canDecide, userId, preventScrollReset } = props;
  if (!canDecide) return null;
  if (a.requested_by_user_id === userId) return <p className="muted">You asked for this, so someone else decides it.</p>;
  return (
    <Form method="post" className="decision-form" preventScrollReset={preventScrollReset}>
      <AuthenticityTokenInput />
      <input type="hidden" name="approval_id" value={a.id} />
      <input type="hidden" name="digest" value={a.digest} />
      <label className="sr-only" htmlFor={`comment-${a.id}`}>
        Comment
      </label>
      <input id={`comment-${a.id}`} name="comment" placeholder="Comment (optional)" maxLength={COLUMN_LIMITS.approvals.comment} />
      <SubmitButton name="intent" value="approve" className="btn btn-primary">
        Approve
      </SubmitButton>
      {a.risk === "low" ? (
        <SubmitButton name="intent" value="approve_grant" className="btn" title="Approve, and let this action run on this task without asking again">
          Approve &amp; allow for this task
        </SubmitButton>
      ) : null}
      <SubmitButton name="intent" value="deny" className="btn btn-danger">
        {a.mode === "hotl" ? "Veto" : "Deny"}
      </SubmitButton>
    </Form>
  );
}
