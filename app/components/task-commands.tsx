import type { ExecRequest } from "#app/db/governance.server";
import { Time } from "./time";

/** What became of a command, in words. */
export function commandOutcome(c: ExecRequest): { label: string; tone: "done" | "review" | "testing" } {
  if (c.decision === "allow-once") return { label: c.resolved_at ? "allowed" : "allowed, telling the gateway", tone: "done" };
  if (c.decision === "deny") return { label: "denied", tone: "review" };
  if (c.approval?.mode === "hotl") return { label: "veto window open", tone: "testing" };
  return { label: "waiting for an approver", tone: "testing" };
}

/**
 * The commands the task's agent asked to run on the gateway (exec approvals,
 * decision 043), newest first: the exact command and where it runs, what the
 * policy or the approver decided and why. Commands are the agent's text,
 * shown as text. Pending ones are decided in "Waiting for approval" above.
 */
export function TaskCommands({ commands, now }: { commands: ExecRequest[]; now: Date }) {
  if (commands.length === 0) return null;
  return (
    <section className="panel panel-wide task-commands" id="commands" aria-labelledby="commands-heading">
      <h2 id="commands-heading">
        Commands <span className="count">{commands.length}</span>
      </h2>
      <ul className="command-list">
        {commands.map((c) => {
          const o = commandOutcome(c);
          return (
            <li key={c.id} className="command" data-exec-request-id={c.id}>
              <p className="command-head">
                <span className={`status status-${o.tone}`}>{o.label}</span> <code className="command-text">{c.command}</code>
              </p>
              <p className="muted">
                {c.cwd ? (
                  <>
                    in <code>{c.cwd}</code>
                    {" · "}
                  </>
                ) : null}
                {c.host ? `on ${c.host} · ` : null}
                asked <Time value={c.created_at} now={now} />
                {c.decision_reason ? ` · ${c.decision_reason}` : null}
                {c.resolve_error ? ` · not taken by the gateway: ${c.resolve_error}` : null}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
