import { Link } from "react-router";
import { getCostOverview } from "#app/db/analytics.server";
import { BarList } from "#app/components/charts/bar-list";
import { WindowStats } from "#app/components/cost-figures";
import { count, provenance, usd } from "#app/domain/analytics";
import { operator } from "#app/services/auth/operator.server";
import type { Route } from "./+types/costs-overview";

export const meta: Route.MetaFunction = () => [{ title: "Costs · Mission Control" }];

// Every workspace's spend side by side, from one aggregate query.
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db } = operator(context, request, "viewer");
  return { overview: await getCostOverview(db) };
}

export default function CostsOverview({ loaderData }: Route.ComponentProps) {
  const { overview } = loaderData;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Costs across workspaces</h1>
      </div>
      <WindowStats totals={overview.totals} testId="overview-totals" />
      <section className="panel" aria-labelledby="ws-30-h">
        <h2 id="ws-30-h">30 days by workspace</h2>
        <BarList
          title="Cost by workspace, 30 days"
          testId="by-workspace"
          format={usd}
          items={overview.workspaces.map((w) => ({
            key: w.id,
            name: w.name,
            label: (
              <Link to={`/w/${w.slug}/costs`}>
                <span aria-hidden="true">{w.icon}</span> {w.name}
              </Link>
            ),
            value: Number(w.totals.d30.cost_usd),
            note: `${count(w.totals.d30.tokens)} tokens · ${provenance(w.totals.d30)}`,
          }))}
        />
      </section>
      <section className="panel" aria-labelledby="ws-table-h">
        <h2 id="ws-table-h">Totals</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack nowrap" data-testid="overview-table">
            <thead>
              <tr>
                <th>Workspace</th>
                <th>Today</th>
                <th>7 days</th>
                <th>30 days</th>
                <th>30-day tokens</th>
                <th>Source of the 30-day cost</th>
              </tr>
            </thead>
            <tbody>
              {overview.workspaces.map((w) => (
                <tr key={w.id} data-workspace={w.slug}>
                  <th data-label="Workspace" scope="row">
                    <Link to={`/w/${w.slug}/costs`}>{w.name}</Link>
                  </th>
                  <td data-label="Today">{usd(w.totals.today.cost_usd)}</td>
                  <td data-label="7 days">{usd(w.totals.d7.cost_usd)}</td>
                  <td data-label="30 days">{usd(w.totals.d30.cost_usd)}</td>
                  <td data-label="30-day tokens">{count(w.totals.d30.tokens)}</td>
                  <td data-label="Source of the 30-day cost" className="muted">
                    {provenance(w.totals.d30)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <p className="figure-note">From the usage ledger; days are UTC. Definitions: docs/ANALYTICS.md.</p>
    </main>
  );
}
