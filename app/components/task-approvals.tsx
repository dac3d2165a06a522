import type { TaskApproval } from "#app/db/governance.server";
import { ApprovalArgs } from "./approval-args";
import { DecisionForm } from "./decision-form";
import { FormError } from "./field";
import { Time } from "./time";

/** Words for the actions an approval can hold back. */
const ACTION_WORDS: Record<string, string> = {
  "task.review_done": "Mark the reviewed task done",
  "task.dispatch": "Send the task to its agent",
  "task.stage_advance": "Hand the task to the next pipeline stage",
};

/** "on" before an action's target ("Deploy on web-1"); a command is its own target ("Run a command: ls"). */
export function targetPreposition(action: string): string {
  return action.startsWith("exec:") ? "" : "on ";
}

export function actionWords(action: string): string {
  // An exec approval's action names its exact command (a standing grant is for that command only): the words say what it is.
  if (action.startsWith("exec:")) return "Run a command:";
  return ACTION_WORDS[action] ?? action;
}

/** What a request asks, in words: its risk, the action and its target (the inbox, an approval's page, the task's panel). */
export function ApprovalWhat({ risk, action, target }: { risk: string; action: string; target: string | null }) {
  return (
    <>
      <span className={`risk risk-${risk}`} title={`Risk of this kind of work: ${risk}`}>{`${risk} risk`}</span>{" "}
      <strong className="approval-action">{actionWords(action)}</strong>
      {target ? (
        <>
          {" "}
          {targetPreposition(action)}
          <code>{target}</code>
        </>
      ) : null}
    </>
  );
}

/**
 * The requests waiting on this task, each in words (what, who asked, when,
 * until when) with its arguments as a list; approvers decide them here with
 * the same form and rules as the approvals inbox.
 */
export function TaskApprovals(props: { approvals: TaskApproval[]; canDecide: boolean; userId: string; role: string; now: Date; formError?: string }) {
  const { approvals, canDecide, userId, role, now, formError } = props;
  if (approvals.length === 0) return null;
  return (
    <section className="panel panel-wide approvals-here" id="approvals" aria-labelledby="approvals-heading">
      <h2 id="approvals-heading">
        Waiting for approval <span className="count">{approvals.length}</span>
      </h2>
      <FormError message={formError} />
      {!canDecide ? (
        <p className="muted" data-testid="approvals-read-only">
          Approving and denying needs the approver role; you are signed in as {role}.
        </p>
      ) : null}
      <ul className="task-approvals">
        {approvals.map((a) => (
          <li key={a.id} className="task-approval" data-approval-id={a.id}>
            <p className="approval-head">
              <ApprovalWhat risk={a.risk} action={a.action} target={a.target} />
            </p>
            <p className="muted">
              Asked by {a.requester} ({a.requester_type === "agent" ? "agent" : "person"}) <Time value={a.created_at} now={now} />
              {" · "}
              {a.mode === "hotl" && a.veto_until ? (
                <>
                  goes ahead unless vetoed <Time value={a.veto_until} now={now} />
                  {" · "}
                </>
              ) : null}
              expires <Time value={a.expires_at} now={now} />
            </p>
            {a.reason ? <p className="approval-reason">“{a.reason}”</p> : null}
            <ApprovalArgs args={a.args} />
            <DecisionForm approval={a} canDecide={canDecide} userId={userId} preventScrollReset />
          </li>
        ))}
      </ul>
    </section>
  );
}
