import type { UsageRecord } from "#app/db/costs.server";
import type { TaskDetail } from "#app/db/tasks.server";
import { provenanceBreakdown, provenanceLabel } from "#app/domain/costs";
import { formatUsd, formatUsdExact } from "#app/domain/money";

const SOURCE: Record<UsageRecord["source"], string> = { webhook: "webhook", agent_api: "agent", gateway: "gateway" };
const n = (v: number) => Number(v).toLocaleString("en-US");
function Usd({ value, testId }: { value: number | string | null; testId?: string }) {
  return (
    <span data-testid={testId} title={value === null ? undefined : formatUsdExact(value)}>
      {formatUsd(value)}
    </span>
  );
}

/** Tokens and cost of the task, per run and per report, with where each figure came from. */
export function UsagePanel({ task }: { task: Pick<TaskDetail, "usage" | "usage_runs" | "token_usage" | "estimated_cost" | "cost_provenance"> }) {
  const source = provenanceBreakdown(task.usage) ?? (task.cost_provenance ? provenanceLabel(task.cost_provenance) : null);
  return (
    <section className="panel" aria-labelledby="usage-h">
      <h2 id="usage-h">Tokens and cost</h2>
      <p className="usage-total">
        <strong data-testid="task-tokens">{n(task.token_usage)}</strong> tokens ·{" "}
        {task.cost_provenance === "included" ? (
          <strong data-testid="task-cost">no dollars</strong>
        ) : (
          <strong>
            <Usd value={task.estimated_cost} testId="task-cost" />
          </strong>
        )}
        {source ? (
          <span className="muted" data-testid="task-cost-provenance">
            {" "}
            ({source})
          </span>
        ) : null}
      </p>
      {task.usage.length === 0 ? (
        <p className="muted">No usage reported yet.</p>
      ) : (
        <>
          <h3>Per run</h3>
          <div className="table-scroll" tabIndex={0}>
            <table className="table stack" data-testid="usage-runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Model</th>
                  <th>In</th>
                  <th>Out</th>
                  <th>Cache r/w</th>
                  <th>Cost</th>
                </tr>
              </thead>
              <tbody>
                {task.usage_runs.map((r) => (
                  <tr key={r.run_id ?? "none"}>
                    <td data-label="Run" title={r.run_id ?? undefined}>
                      {r.run_id ? r.run_id.slice(0, 12) : "—"}
                    </td>
                    <td data-label="Model">{r.models?.join(", ") || "—"}</td>
                    <td data-label="In">{n(r.input_tokens)}</td>
                    <td data-label="Out">{n(r.output_tokens)}</td>
                    <td data-label="Cache r/w">
                      {n(r.cache_read_tokens)} / {n(r.cache_write_tokens)}
                    </td>
                    <td data-label="Cost">
                      <Usd value={r.cost_usd} />{" "}
                      <span className="muted">
                        {provenanceBreakdown(task.usage.filter((u) => u.run_id === r.run_id)) ?? provenanceLabel(r.provenance, r.price_versions ?? [])}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <details>
            <summary>Every report ({task.usage.length})</summary>
            <div className="table-scroll" tabIndex={0}>
              <table className="table stack">
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
                  {task.usage.map((u, i) => (
                    <tr key={`${u.run_id}-${i}`} title={u.run_id ?? undefined}>
                      <td data-label="Source">{SOURCE[u.source]}</td>
                      <td data-label="Model">{u.model || "—"}</td>
                      <td data-label="In">{n(u.input_tokens)}</td>
                      <td data-label="Out">{n(u.output_tokens)}</td>
                      <td data-label="Cost">
                        <Usd value={u.cost_usd} />{" "}
                        <span className="muted">{provenanceLabel(u.provenance, u.price_version === null ? [] : [u.price_version])}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
