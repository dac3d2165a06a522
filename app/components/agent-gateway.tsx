import { Time } from "#app/components/time";
import type { AgentGatewayPanel as Panel } from "#app/domain/gateway-agent";

// What the OpenClaw gateway says about an agent: the connection, whether it
// knows the agent id, its sessions, and its configuration as the gateway
// reports it (redacted by app/domain/gateway-agent.ts). Every value is text.

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function AgentGatewayPanel({ panel, now }: { panel: Panel; now: string }) {
  return (
    <section className="panel" aria-labelledby="agent-gateway-h" data-testid="agent-gateway">
      <h2 id="agent-gateway-h">On the gateway</h2>
      <dl className="agent-summary">
        <div>
          <dt>Connection</dt>
          <dd data-testid="gateway-connection" data-status={panel.status}>
            {panel.status === "connected" ? "Connected to the OpenClaw gateway." : panel.refusal}
          </dd>
        </div>
        {panel.status === "connected" ? <Known panel={panel} /> : null}
        {"view" in panel && panel.view.sessions ? (
          <div>
            <dt>Sessions</dt>
            <dd data-testid="gateway-sessions">
              {panel.view.sessions.total === 0 ? (
                "None yet."
              ) : (
                <>
                  {plural(panel.view.sessions.total, "session")}; {plural(panel.view.sessions.active, "run")} active now
                  {panel.view.sessions.lastActivityAt ? (
                    <>
                      ; last activity <Time value={panel.view.sessions.lastActivityAt} now={now} />
                    </>
                  ) : null}
                  .
                </>
              )}
            </dd>
          </div>
        ) : null}
        {"view" in panel
          ? panel.view.facts.map((f) => (
              <div key={f.label}>
                <dt>{f.label}</dt>
                <dd data-testid={`gateway-fact-${f.label.toLowerCase().replaceAll(" ", "-")}`}>{f.value}</dd>
              </div>
            ))
          : null}
      </dl>
      {"view" in panel
        ? panel.view.unavailable.map((sentence) => (
            <p key={sentence} className="muted" data-testid="gateway-unavailable">
              {sentence}
            </p>
          ))
        : null}
      {"view" in panel && panel.view.config ? (
        <details className="agent-config">
          <summary>
            Configuration as the gateway reports it ({plural(panel.view.config.lines.length, "line")}, secrets redacted
            {panel.view.config.truncated ? ", cut short" : ""})
          </summary>
          <pre data-testid="agent-config">{panel.view.config.lines.join("\n")}</pre>
        </details>
      ) : null}
    </section>
  );
}

function Known({ panel }: { panel: Extract<Panel, { status: "connected" }> }) {
  if (!("view" in panel)) {
    return (
      <div>
        <dt>OpenClaw agent</dt>
        <dd data-testid="gateway-known" data-known="none">
          No OpenClaw agent id is set, so nothing can be dispatched to this agent: set one under Edit.
        </dd>
      </div>
    );
  }
  const { view } = panel;
  const id = <code>{view.agentId}</code>;
  let words;
  if (view.known === true)
    words = (
      <>
        {id}: known to the gateway{view.isDefault ? " (its default agent)" : ""}.
      </>
    );
  else if (view.known === false)
    words = (
      <>
        {id}: not known to the gateway, so its dispatches fail.{" "}
        {view.listedIds.length > 0 ? `The gateway lists ${view.listedIds.join(", ")}.` : "The gateway lists no agents."}
      </>
    );
  else words = <>{id}: the gateway could not say whether it knows this agent.</>;
  return (
    <div>
      <dt>OpenClaw agent</dt>
      <dd data-testid="gateway-known" data-known={view.known === null ? "unknown" : String(view.known)}>
        {words}
      </dd>
    </div>
  );
}
