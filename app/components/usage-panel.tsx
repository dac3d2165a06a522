import type { UsageRecord } from "#app/db/rows";

const SOURCE: Record<UsageRecord["source"], string> = { webhook: "webhook", agent_api: "agent", gateway: "gateway" };

/** Tokens and cost per report, with where each figure came from. */
export function UsagePanel({ usage, tokens, cost }: { usage: UsageRecord[]; tokens: number; cost: number }) {
  return (
    <section className="panel" aria-labelledby="usage-h">
      <h2 id="usage-h">Tokens and cost</h2>
      <p className="usage-total">
        <strong data-testid="task-tokens">{tokens.toLocaleString("en-US")}</strong> tokens ·{" "}
        <strong data-testid="task-cost">${Number(cost).toFixed(4)}</strong>
      </p>
      {usage.length === 0 ? (
        <p className="muted">No usage reported yet.</p>
      ) : (
        <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Source</th>
              <th>Model</th>
              <th>In</th>
              <th>Out</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {usage.map((u, i) => (
              <tr key={`${u.run_id}-${i}`} title={u.run_id ?? undefined}>
                <td>{SOURCE[u.source]} · {u.provenance}</td>
                <td>{u.model || "—"}</td>
                <td>{u.input_tokens.toLocaleString("en-US")}</td>
                <td>{u.output_tokens.toLocaleString("en-US")}</td>
                <td>{u.cost_usd === null ? "—" : `$${Number(u.cost_usd).toFixed(4)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
