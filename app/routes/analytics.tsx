import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { getAgentPerformance } from "#app/db/analytics.server";
import { BarList } from "#app/components/charts/bar-list";
import { PeriodForm } from "#app/components/cost-figures";
import { type AgentFigures, LEVEL_LABEL, count, duration, parsePeriod, percent, provenance, usd } from "#app/domain/analytics";
import { operator } from "#app/services/auth/operator.server";
import { formatDate } from "#app/domain/time";
import type { Route } from "./+types/analytics";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = () => [{ title: "Analytics · Mission Control" }];

// Agent performance for a period: delivery and the human side, all from SQL aggregates.
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const days = parsePeriod(url.searchParams.get("days"));
  return { workspace, perf: await getAgentPerformance(db, workspace.id, days) };
}

const name = (a: AgentFigures) => (
  <>
    <span aria-hidden="true">{a.emoji} </span>
    {a.name}
  </>
);

export default function Analytics({ loaderData }: Route.ComponentProps) {
  const { workspace, perf } = loaderData;
  const base = `/w/${workspace.slug}`;
  const agents = perf.agents;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Agent analytics</h1>
        <PeriodForm days={perf.days} />
      </div>
      <p className="figure-note">
        Last {perf.days} days (UTC, since {formatDate(perf.from)}). Tasks count for their current assignee. Definitions of success, rework and cycle time:
        docs/ANALYTICS.md.
      </p>

      {perf.promote.length > 0 ? (
        <section className="panel promote" aria-labelledby="promote-h" data-testid="promote">
          <h2 id="promote-h">Ready for more autonomy</h2>
          <ul>
            {perf.promote.map((p) => (
              <li key={p.agent_id}>
                <Link to={`${base}/agents/${p.agent_id}`}>
                  <span aria-hidden="true">{p.emoji}</span> {p.name}
                </Link>
                : the last {perf.promote_after} gated actions were all approved unchanged (none denied, vetoed or expired). Consider moving it from{" "}
                {LEVEL_LABEL[p.from]} to {LEVEL_LABEL[p.to]}.
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {agents.length === 0 ? <p className="empty">No agents in this workspace yet.</p> : null}

      <div className="analytics-grid">
        <section className="panel" aria-labelledby="completed-h">
          <h2 id="completed-h">Completed tasks</h2>
          <BarList
            title="Completed tasks by agent"
            testId="completed-chart"
            format={(v) => `${v} done`}
            items={agents.map((a) => ({
              key: a.agent_id,
              name: a.name,
              label: name(a),
              value: a.completed,
              note: `${a.first_time} without rework · success ${percent(a.success_rate)}`,
            }))}
          />
        </section>
        <section className="panel" aria-labelledby="cpt-h">
          <h2 id="cpt-h">Cost per completed task</h2>
          <BarList
            title="Cost per completed task by agent"
            testId="cost-per-task-chart"
            format={usd}
            items={agents
              .filter((a) => a.completed > 0)
              .map((a) => ({
                key: a.agent_id,
                name: a.name,
                label: name(a),
                value: Number(a.cost_per_task ?? 0),
                note: `${count(a.tokens_per_task)} tokens per task · ${provenance(a.usage)}`,
              }))}
          />
        </section>
      </div>

      <section className="panel" aria-labelledby="delivery-h">
        <h2 id="delivery-h">Delivery</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table nowrap" data-testid="delivery-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Done</th>
                <th>Success</th>
                <th>Rework</th>
                <th>Cycle p50</th>
                <th>Cycle p90</th>
                <th>Cost / task</th>
                <th>Tokens / task</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.agent_id} data-agent={a.name}>
                  <th scope="row">
                    <Link to={`${base}/agents/${a.agent_id}`}>{name(a)}</Link>
                  </th>
                  <td>{a.completed}</td>
                  <td title={`${a.first_time} of ${a.completed} done without rework`}>{percent(a.success_rate)}</td>
                  <td title={`${a.reworked} of ${a.handed_in} handed-in tasks sent back (${a.rework_events} times)`}>{percent(a.rework_rate)}</td>
                  <td>{duration(a.cycle_p50_s)}</td>
                  <td>{duration(a.cycle_p90_s)}</td>
                  <td title={provenance(a.usage)}>{usd(a.cost_per_task)}</td>
                  <td>{count(a.tokens_per_task)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="figure-note">
          Success: done without going back for rework. Rework: handed-in tasks sent back (failed checks, or testing/review → assigned/in progress). Cycle: first
          dispatch → done. Cost per task: the completed tasks' whole usage ({provenance(sumUsage(agents))}).
        </p>
      </section>

      <section className="panel" aria-labelledby="human-h">
        <h2 id="human-h">Human side</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table nowrap" data-testid="human-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Level</th>
                <th>Gated actions</th>
                <th>Needed a human</th>
                <th>Wait p50</th>
                <th>Wait p90</th>
                <th>Approvals / task</th>
                <th>Last {perf.promote_after}</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.agent_id}>
                  <th scope="row">{name(a)}</th>
                  <td>{LEVEL_LABEL[a.autonomy_level] ?? a.autonomy_level}</td>
                  <td>{a.approvals.requested}</td>
                  <td>{a.approvals.human_decided}</td>
                  <td>{duration(a.approvals.wait_p50_s)}</td>
                  <td>{duration(a.approvals.wait_p90_s)}</td>
                  <td>{count(a.approvals.per_task)}</td>
                  <td>{a.promote.suggest ? `all approved → ${a.promote.to}` : `${a.promote.approved}/${a.promote.considered} approved`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3 className="stat-label">Interventions by mode</h3>
        {perf.by_mode.length === 0 ? <p className="muted">No gated actions in this period.</p> : null}
        <div className="table-scroll" tabIndex={0} hidden={perf.by_mode.length === 0}>
          <table className="table nowrap" data-testid="mode-table">
            <thead>
              <tr>
                <th>Mode</th>
                <th>Gated</th>
                <th>Human decided</th>
                <th>Denied / vetoed</th>
                <th>Expired</th>
                <th>Pending</th>
                <th>Intervention</th>
              </tr>
            </thead>
            <tbody>
              {perf.by_mode.map((m) => (
                <tr key={m.mode}>
                  <th scope="row">{LEVEL_LABEL[m.mode]}</th>
                  <td>{m.total}</td>
                  <td>{m.human_decided}</td>
                  <td>{m.denied}</td>
                  <td>{m.expired}</td>
                  <td>{m.pending}</td>
                  <td>{percent(m.intervention_rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="figure-note">
          From the approvals table: requests created in the period, by the mode the gate resolved to. Wait: request → a person's decision. Approvals per task:
          every request on the tasks completed in the period.
        </p>
      </section>
    </main>
  );
}

function sumUsage(agents: AgentFigures[]) {
  return agents.reduce(
    (s, a) => ({
      records: s.records + a.usage.records,
      reported_usd: s.reported_usd + Number(a.usage.reported_usd),
      estimated_usd: s.estimated_usd + Number(a.usage.estimated_usd),
      unknown_cost_records: s.unknown_cost_records + a.usage.unknown_cost_records,
    }),
    { records: 0, reported_usd: 0, estimated_usd: 0, unknown_cost_records: 0 },
  );
}
