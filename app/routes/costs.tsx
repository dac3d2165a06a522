import { getCostSummary } from "#app/db/analytics.server";
import { workspaceContext } from "#app/context.server";
import { BarList } from "#app/components/charts/bar-list";
import { ColumnChart } from "#app/components/charts/column-chart";
import { PeriodForm, WindowStats } from "#app/components/cost-figures";
import { count, parsePeriod, provenance, usd } from "#app/domain/analytics";
import { operator } from "#app/services/auth/operator.server";
import { formatDayShort } from "#app/domain/time";
import type { Route } from "./+types/costs";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = () => [{ title: "Costs · Mission Control" }];

// One workspace's spend from the usage ledger; viewers may read it.
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const days = parsePeriod(url.searchParams.get("days"));
  return { workspace, summary: await getCostSummary(db, workspace.id, days) };
}

export default function Costs({ loaderData }: Route.ComponentProps) {
  const { workspace, summary } = loaderData;
  const { period } = summary;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Costs</h1>
        <PeriodForm days={summary.days} />
      </div>
      <WindowStats totals={summary.totals} testId="cost-totals" />
      <section className="panel" aria-labelledby="daily-h">
        <h2 id="daily-h">Cost per day · last {summary.days} days</h2>
        <p className="figure-note" data-testid="period-provenance">
          {usd(period.cost_usd)} · {count(period.tokens)} tokens · {provenance(period)}
        </p>
        <ColumnChart
          title={`Cost per day in ${workspace.name}, last ${summary.days} days (UTC)`}
          points={summary.daily.map((d) => ({ label: formatDayShort(d.day), value: Number(d.cost_usd) }))}
          format={usd}
          testId="daily-chart"
        />
      </section>
      <div className="analytics-grid">
        <section className="panel" aria-labelledby="by-agent-h">
          <h2 id="by-agent-h">By agent</h2>
          <BarList
            title="Cost by agent"
            testId="by-agent"
            format={usd}
            items={summary.by_agent.map((a) => ({
              key: a.agent_id ?? "none",
              name: a.name,
              label: (
                <>
                  {a.emoji ? <span aria-hidden="true">{a.emoji} </span> : null}
                  {a.name}
                </>
              ),
              value: Number(a.cost_usd),
              note: `${count(a.tokens)} tokens · ${provenance(a)}`,
            }))}
          />
        </section>
        <section className="panel" aria-labelledby="by-model-h">
          <h2 id="by-model-h">By model</h2>
          <BarList
            title="Cost by model"
            testId="by-model"
            format={usd}
            items={summary.by_model.map((m) => ({
              key: m.model || "(none)",
              name: m.model || "unknown model",
              label: m.model ? <code>{m.model}</code> : <span className="muted">unknown model</span>,
              value: Number(m.cost_usd),
              note: `${count(m.tokens)} tokens · ${provenance(m)}`,
            }))}
          />
        </section>
      </div>
      <p className="figure-note">
        From the usage ledger: each report an agent, the completion webhook or the gateway made. "Reported" is cost the source stated, "estimated" is priced
        from the model price table, records without cost carry tokens only. Days are UTC. Definitions: docs/ANALYTICS.md.
      </p>
    </main>
  );
}
