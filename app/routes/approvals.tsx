import { approvalPath } from "#app/domain/push";
import { Link } from "react-router";
import type { ApprovalInboxItem as InboxItem } from "#app/db/governance.server";
import { AppError } from "#app/domain/errors";
import { roleAtLeast } from "#app/domain/roles";
import { FormError } from "#app/components/field";
import { ApprovalWhat } from "#app/components/task-approvals";
import { ApprovalArgs } from "#app/components/approval-args";
import { ConnectionBadge } from "#app/components/live-events";
import { operator } from "#app/services/auth/operator.server";
import { approvalsInbox, decideFromForm, decisionMessage, isDecisionIntent } from "#app/services/governance/approval-decisions.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time } from "#app/components/time";
import { formatUsd } from "#app/domain/money";
import type { Route } from "./+types/approvals";
import { redirectWithToast } from "#app/services/http/toast.server";
import { DecisionForm } from "#app/components/decision-form";

export const meta: Route.MetaFunction = () => [{ title: "Approvals · Mission Control" }];

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const show = url.searchParams.get("show") === "decided" ? "decided" : "pending";
  return {
    items: await approvalsInbox(db, show),
    show,
    canDecide: roleAtLeast(user.role, "approver"),
    role: user.role,
    userId: user.id,
    now: new Date().toISOString(),
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, user, log } = operator(context, request, "approver");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (!isDecisionIntent(intent)) return invalidForm({}, undefined, intent);
  try {
    const decided = await decideFromForm({ db, log }, user, intent, form);
    if (!decided.ok) return invalidForm(decided.errors, undefined, intent);
    return redirectWithToast("/approvals", { kind: "success", message: decisionMessage(intent) });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, intent);
    throw error;
  }
}

export default function Approvals({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { items, show, canDecide, role, userId } = loaderData;
  const now = new Date(loaderData.now);
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Approvals</h1>
        <ConnectionBadge />
        <nav className="tabs" aria-label="Approvals">
          <Link to="/approvals" className={show === "pending" ? "active" : undefined}>
            Pending
          </Link>
          <Link to="/approvals?show=decided" className={show === "decided" ? "active" : undefined}>
            Decided
          </Link>
        </nav>
      </div>
      <FormError message={actionData?.formError} />
      {!canDecide && show === "pending" && items.length > 0 ? (
        <p className="read-only-note" data-testid="read-only-note">
          Approving and denying needs the approver role; you are signed in as {role}.
        </p>
      ) : null}
      {items.length === 0 ? <p className="empty">{show === "pending" ? "Nothing waits for a decision." : "No decisions yet."}</p> : null}
      <ul className="approval-list">
        {items.map((a) => (
          <li key={a.id} id={`approval-${a.id}`} className={`panel approval approval-${a.status}`} data-approval-id={a.id}>
            <p className="approval-head">
              <ApprovalWhat risk={a.risk} action={a.action} target={a.target} />
              <span className="muted">
                {" "}
                · asked by {a.requester} ({a.requester_type}) · <Time value={a.created_at} now={now} /> · <Link to={approvalPath(a.id)}>Open</Link>
              </span>
            </p>
            <p className="muted">
              Task <Link to={`/w/${a.workspace.slug}/tasks/${a.task.id}`}>{a.task.title}</Link> in {a.workspace.name}
              {a.task_type ? ` · ${a.task_type}` : ""} · cost so far {formatUsd(a.task.estimated_cost)}
            </p>
            {a.reason ? <p className="approval-reason">“{a.reason}”</p> : null}
            <section className="approval-args" aria-label="Exactly what will happen">
              <ApprovalArgs args={a.args} />
            </section>
            {a.status === "pending" ? (
              <p className="muted">
                {a.mode === "hotl" && a.veto_until ? <>Runs unless vetoed in {minutesLeft(a.veto_until, now)} min · </> : null}
                Expires in {minutesLeft(a.expires_at, now)} min · digest <code>{a.digest.slice(0, 12)}</code>
              </p>
            ) : (
              <p className="muted">
                <span className={`status status-${a.status === "approved" ? "done" : "review"}`}>{a.status}</span> {decidedBy(a)}{" "}
                {a.comment ? `— ${a.comment}` : ""}
              </p>
            )}
            {a.status === "pending" ? <DecisionForm approval={a} canDecide={canDecide} userId={userId} /> : null}
          </li>
        ))}
      </ul>
    </main>
  );
}

/** The approver's name for a person's decision; the policy (hotl_window, expiry…) otherwise. */
function decidedBy(a: InboxItem): string {
  const who = a.decided_by_name ?? a.by;
  return who ? `by ${who}` : "";
}

function minutesLeft(until: string, now: Date): number {
  return Math.max(0, Math.round((new Date(until).getTime() - now.getTime()) / 60_000));
}
