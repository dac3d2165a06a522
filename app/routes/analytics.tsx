import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { getAgentPerformance } from "#app/db/analytics.server";
import { BarList } from "#app/components/charts/bar-list";
import { PeriodForm } from "#app/components/cost-figures";
import { type AgentFigures, LEVEL_LABEL, completionSentence, count, duration, parsePeriod, percent, provenance, usd } from "#app/domain/analytics";
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
        Last {perf.days} days (UTC days, since {formatDate(perf.from)}). A task counts for the agent it is assigned to now, and only when the agent itself
        reported the work complete. How each figure is worked out: docs/ANALYTICS.md.
      </p>
      <p className="analytics-lead" data-testid="completion-sentence">
        {completionSentence(perf.completed, perf.days)}
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
                : its last {perf.promote_after} actions that needed a person were all approved (none denied, vetoed or expired). Consider moving it from{" "}
                {LEVEL_LABEL[p.from]} to {LEVEL_LABEL[p.to]}.
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {agents.length === 0 ? <p className="empty">No agents in this workspace yet.</p> : null}

      <div className="analytics-grid">
        <section className="panel" aria-labelledby="completed-h">
          <h2 id="completed-h">Tasks the agents finished</h2>
          <BarList
            title="Tasks each agent finished"
            testId="completed-chart"
            format={(v) => `${v} finished`}
            items={agents.map((a) => ({
              key: a.agent_id,
              name: a.name,
              label: name(a),
              value: a.completed,
              note: `${a.first_time} right the first time (${percent(a.success_rate)})${a.closed_by_people > 0 ? ` · ${a.closed_by_people} more moved to done by people` : ""}`,
            }))}
          />
        </section>
        <section className="panel" aria-labelledby="cpt-h">
          <h2 id="cpt-h">Cost per finished task</h2>
          <BarList
            title="Cost per finished task, by agent"
            testId="cost-per-task-chart"
            format={usd}
            items={agents
              .filter((a) => a.completed > 0)
              .map((a) => ({
                key: a.agent_id,
                name: a.name,
                label: name(a),
                value: Number(a.cost_per_task ?? 0),
                note: `${count(a.tokens_per_task)} tokens a task · ${provenance(a.usage)}`,
              }))}
          />
        </section>
      </div>

      <section className="panel" aria-labelledby="delivery-h">
        <h2 id="delivery-h">Delivery</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack nowrap wrap-heads" data-testid="delivery-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Finished</th>
                <th>Moved to done by people</th>
                <th>Right the first time</th>
                <th>Sent back</th>
                <th>Typical time to done</th>
                <th>Slowest tenth</th>
                <th>Cost a task</th>
                <th>Tokens a task</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.agent_id} data-agent={a.name}>
                  <th data-label="Agent" scope="row">
                    <Link to={`${base}/agents/${a.agent_id}`}>{name(a)}</Link>
                  </th>
                  <td data-label="Finished">{a.completed}</td>
                  <td data-label="Moved to done by people">{a.closed_by_people}</td>
                  <td data-label="Right the first time" title={`${a.first_time} of ${a.completed} finished without rework`}>
                    {percent(a.success_rate)}
                  </td>
                  <td data-label="Sent back" title={`${a.reworked} of ${a.handed_in} handed-in tasks sent back (${a.rework_events} times)`}>
                    {percent(a.rework_rate)}
                  </td>
                  <td data-label="Typical time to done">{duration(a.cycle_p50_s)}</td>
                  <td data-label="Slowest tenth">{duration(a.cycle_p90_s)}</td>
                  <td data-label="Cost a task" title={provenance(a.usage)}>
                    {usd(a.cost_per_task)}
                  </td>
                  <td data-label="Tokens a task">{count(a.tokens_per_task)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="figure-note">
          Right the first time: finished without going back for rework. Sent back: handed-in tasks returned for rework (failed checks, or moved from testing or
          review back to work). Typical time to done: the median from first dispatch to done; slowest tenth: the 90th percentile. Cost a task: the finished
          tasks&apos; whole usage ({provenance(sumUsage(agents))}). Moved to done by people: the agent&apos;s tasks a person moved to done without the agent
          reporting them complete; they are not counted as the agent&apos;s work.
        </p>
      </section>

      <section className="panel" aria-labelledby="human-h">
        <h2 id="human-h">Where people stepped in</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack nowrap wrap-heads" data-testid="human-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Supervision</th>
                <th>Needed a decision</th>
                <th>Decided by a person</th>
                <th>Typical wait</th>
                <th>Longest waits (top tenth)</th>
                <th>Approvals a task</th>
                <th>Last {perf.promote_after} decisions</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.agent_id}>
                  <th data-label="Agent" scope="row">
                    {name(a)}
                  </th>
                  <td data-label="Supervision">{LEVEL_LABEL[a.autonomy_level] ?? a.autonomy_level}</td>
                  <td data-label="Needed a decision">{a.approvals.requested}</td>
                  <td data-label="Decided by a person">{a.approvals.human_decided}</td>
                  <td data-label="Typical wait">{duration(a.approvals.wait_p50_s)}</td>
                  <td data-label="Longest waits (top tenth)">{duration(a.approvals.wait_p90_s)}</td>
                  <td data-label="Approvals a task">{count(a.approvals.per_task)}</td>
                  <td data-label="Recent decisions">
                    {a.promote.suggest ? `all approved; ready for ${LEVEL_LABEL[a.promote.to]}` : `${a.promote.approved} of ${a.promote.considered} approved`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3 className="stat-label">How often a person stepped in, by supervision</h3>
        {perf.by_mode.length === 0 ? <p className="muted">No action needed a decision in this period.</p> : null}
        <div className="table-scroll" tabIndex={0} hidden={perf.by_mode.length === 0}>
          <table className="table stack nowrap wrap-heads" data-testid="mode-table">
            <thead>
              <tr>
                <th>Supervision</th>
                <th>Actions</th>
                <th>Decided by a person</th>
                <th>Denied or vetoed</th>
                <th>Expired</th>
                <th>Waiting</th>
                <th>A person stepped in</th>
              </tr>
            </thead>
            <tbody>
              {perf.by_mode.map((m) => (
                <tr key={m.mode}>
                  <th data-label="Supervision" scope="row">
                    {LEVEL_LABEL[m.mode]}
                  </th>
                  <td data-label="Actions">{m.total}</td>
                  <td data-label="Decided by a person">{m.human_decided}</td>
                  <td data-label="Denied or vetoed">{m.denied}</td>
                  <td data-label="Expired">{m.expired}</td>
                  <td data-label="Waiting">{m.pending}</td>
                  <td data-label="A person stepped in">{percent(m.intervention_rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="figure-note">
          Every approval request made in the period, by the supervision that applied to it. Wait: from the request to a person&apos;s decision. Approvals a
          task: every request on the tasks finished in the period.
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
