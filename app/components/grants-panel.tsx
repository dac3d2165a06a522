import type { StandingGrant } from "#app/db/governance.server";
import { ConfirmAction } from "./confirm-action";
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
              <ConfirmAction
                small
                label="Revoke…"
                warning="The agent asks an approver again the next time it needs this."
                confirmLabel="Revoke"
                intent="revoke-grant"
                fields={{ grant_id: g.id }}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
