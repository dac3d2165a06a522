import { Link } from "react-router";
import { getApproval } from "#app/db/governance.server";
import { AppError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { roleAtLeast } from "#app/domain/roles";
import { formatUsd } from "#app/domain/money";
import { ApprovalArgs } from "#app/components/approval-args";
import { DecisionForm } from "#app/components/decision-form";
import { FormError } from "#app/components/field";
import { ApprovalWhat, actionWords } from "#app/components/task-approvals";
import { Time } from "#app/components/time";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { decideFromForm, decisionMessage, isDecisionIntent } from "#app/services/governance/approval-decisions.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Route } from "./+types/approval-detail";

// One approval on a page of its own (decision 048): what a push notification
// about it opens. Built for a phone: what is asked, of which task, and the
// Approve and Deny buttons come first, within the first screen; the reason
// and every argument (which may be long) follow below them. The decision is
// the inbox's: the same form, the same checks in SQL (approver role,
// separation of duties, the digest of what the approver saw, expiry).

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `${actionWords(loaderData.approval.action)} · Approvals · Mission Control` : "Approval · Mission Control" },
];

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const approval = found(isUuid(params.approvalId) ? await getApproval(db, params.approvalId.toLowerCase()) : null, "Approval");
  return { approval, canDecide: roleAtLeast(user.role, "approver"), role: user.role, userId: user.id, now: new Date().toISOString() };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { db, user, log } = operator(context, request, "approver");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (!isDecisionIntent(intent)) return invalidForm({}, undefined, intent);
  try {
    // Only the approval this page shows.
    const decided = await decideFromForm({ db, log }, user, intent, form, (id) => id === params.approvalId.toLowerCase());
    if (!decided.ok) return invalidForm(decided.errors, undefined, intent);
    return redirectWithToast(`/approvals/${decided.approvalId}`, { kind: "success", message: decisionMessage(intent) });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, intent);
    throw error;
  }
}

export default function ApprovalDetail({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { approval: a, canDecide, role, userId } = loaderData;
  const now = new Date(loaderData.now);
  const pending = a.status === "pending";
  return (
    <main id="main" className={`page page-narrow approval-page approval-${a.status}`} data-approval-id={a.id}>
      <p className="approval-back">
        <Link to="/approvals">← Approvals</Link>
      </p>
      <h1 className="approval-title">
        <ApprovalWhat risk={a.risk} action={a.action} target={a.target} />
      </h1>
      <p className="muted approval-task">
        Task <Link to={`/w/${a.workspace.slug}/tasks/${a.task.id}`}>{a.task.title}</Link> in {a.workspace.name} · asked by {a.requester} ({a.requester_type}) ·{" "}
        <Time value={a.created_at} now={now} />
      </p>
      <FormError message={actionData?.formError} />
      {pending ? (
        <>
          {canDecide ? null : (
            <p className="read-only-note" data-testid="read-only-note">
              {`Approving and denying needs the approver role; you are signed in as ${role}.`}
            </p>
          )}
          <DecisionForm approval={a} canDecide={canDecide} userId={userId} />
          <p className="muted">
            {a.mode === "hotl" && a.veto_until ? `Runs unless vetoed in ${minutesLeft(a.veto_until, now)} min · ` : null}
            {`Expires in ${minutesLeft(a.expires_at, now)} min · digest `}
            <code>{a.digest.slice(0, 12)}</code>
          </p>
        </>
      ) : (
        <p className="approval-outcome" role="status">
          <span className={`status status-${a.status === "approved" ? "done" : "review"}`}>{a.status}</span>
          {decidedBy(a.decided_by_name ?? a.by)}
          {a.comment ? ` — ${a.comment}` : ""}
        </p>
      )}
      {a.reason ? <p className="approval-reason">“{a.reason}”</p> : null}
      <section className="panel approval-args" aria-label="Exactly what will happen">
        <h2>Exactly what will happen</h2>
        <ApprovalArgs args={a.args} />
      </section>
      <p className="muted">
        {a.task_type ? `${a.task_type} · ` : ""}
        {`cost so far ${formatUsd(a.task.estimated_cost)}`}
      </p>
    </main>
  );
}

function decidedBy(who: string | null): string {
  return who ? ` by ${who}` : "";
}

function minutesLeft(until: string, now: Date): number {
  return Math.max(0, Math.round((new Date(until).getTime() - now.getTime()) / 60_000));
}
