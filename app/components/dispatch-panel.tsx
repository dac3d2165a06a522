import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskDetail } from "#app/db/tasks.server";
import { gatewayRefusal } from "#app/domain/first-run";
import { Time } from "./time";
import { SubmitButton } from "./submit-button";

/** Where the task stands with its agent, and the one-click recoveries. */
export function DispatchPanel({
  task,
  agents,
  gateway,
}: {
  task: TaskDetail;
  agents: ReadonlyArray<{ id: string; name: string; emoji: string }>;
  gateway: string;
}) {
  // Parked tasks (dispatch failed, or refused for a budget) need the retry, which clears the alert first.
  const parked = task.alert_reason === "dispatch_failed" || task.alert_reason === "budget_exceeded";
  // Dispatching needs the gateway: without it the button says why instead.
  const refusal = gatewayRefusal(gateway);
  return (
    <section className="panel" aria-labelledby="dispatch-h">
      <h2 id="dispatch-h">Agent run</h2>
      <dl className="facts">
        <dt>Gateway</dt>
        <dd data-testid="gateway-status">{gateway}</dd>
        {task.session_key ? (
          <>
            <dt>Session</dt>
            <dd>
              <code>{task.session_key}</code>
            </dd>
          </>
        ) : null}
        {task.dispatched_at ? (
          <>
            <dt>Dispatched</dt>
            <dd>
              <Time value={task.dispatched_at} absolute />
            </dd>
          </>
        ) : null}
        {task.last_dispatch_error ? (
          <>
            <dt>Last error</dt>
            <dd className="alert-text">
              {task.last_dispatch_error} (attempt {task.dispatch_attempts})
            </dd>
          </>
        ) : null}
      </dl>
      {task.status === "assigned" && refusal ? (
        <p className="muted" id="dispatch-refusal" data-testid="dispatch-refusal">
          {refusal}
        </p>
      ) : null}
      {task.status === "assigned" ? (
        <div className="button-row">
          <Form method="post">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value={parked ? "retry" : "dispatch"} />
            <SubmitButton
              className="btn btn-primary"
              pendingLabel="Dispatching…"
              disabled={refusal !== null}
              aria-describedby={refusal ? "dispatch-refusal" : undefined}
            >
              {parked ? "Retry dispatch" : "Dispatch now"}
            </SubmitButton>
          </Form>
          <Form method="post" className="inline-form">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="reassign" />
            <label className="sr-only" htmlFor="reassign-agent">
              Reassign to
            </label>
            <select id="reassign-agent" name="agent_id" defaultValue="">
              <option value="" disabled>
                Reassign to…
              </option>
              {agents
                .filter((a) => a.id !== task.assignee?.id)
                .map((a) => (
                  <option key={a.id} value={a.id}>{`${a.emoji} ${a.name}`}</option>
                ))}
            </select>
            <SubmitButton className="btn" pendingLabel="Dispatching…">
              Reassign and dispatch
            </SubmitButton>
          </Form>
        </div>
      ) : null}
    </section>
  );
}
