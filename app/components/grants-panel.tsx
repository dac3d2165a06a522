import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { StandingGrant } from "#app/db/governance.server";
import { Time } from "./time";

/** Actions an approver allowed on this task without asking again, each revocable. */
export function GrantsPanel({ grants, canRevoke }: { grants: StandingGrant[]; canRevoke: boolean }) {
  if (grants.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="grants-title">
      <h2 id="grants-title">Allowed without asking</h2>
      <ul className="grant-list">
        {grants.map((g) => (
          <li key={g.id} data-grant-id={g.id}>
            <code>{g.action}</code>
            <span className="muted">
              by {g.granted_by ?? "a former user"} · <Time value={g.created_at} absolute />
              {g.honoured ? "" : " · paused: this task is no longer low risk"}
            </span>
            {canRevoke ? (
              <Form method="post">
                <AuthenticityTokenInput />
                <input type="hidden" name="grant_id" value={g.id} />
                <button type="submit" name="intent" value="revoke-grant" className="btn btn-small btn-danger">
                  Revoke
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
