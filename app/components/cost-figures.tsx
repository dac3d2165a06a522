import { Form } from "react-router";
import { PERIODS, type UsageFigures, type Windows, count, provenance, usd } from "#app/domain/analytics";

const WINDOWS: Array<[keyof Windows, string]> = [
  ["today", "Today (UTC)"],
  ["d7", "7 days"],
  ["d30", "30 days"],
];

/** One cost figure with its tokens and where the money figure came from. */
export function CostStat({ label, figures, testId }: { label: string; figures: UsageFigures; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <p className="stat-label">{label}</p>
      <p className="stat-value">{usd(figures.cost_usd)}</p>
      <p className="stat-note">
        {count(figures.tokens)} tokens · {figures.records} record{figures.records === 1 ? "" : "s"}
      </p>
      <p className="stat-note">{provenance(figures)}</p>
    </div>
  );
}

export function WindowStats({ totals, testId }: { totals: Windows; testId?: string }) {
  return (
    <div className="stat-grid" data-testid={testId}>
      {WINDOWS.map(([key, label]) => (
        <CostStat key={key} label={label} figures={totals[key]} testId={testId ? `${testId}-${key}` : undefined} />
      ))}
    </div>
  );
}

/** The period choice as a plain GET form: works without JavaScript. */
export function PeriodForm({ days, label = "Period" }: { days: number; label?: string }) {
  return (
    <Form method="get" className="period-form" aria-label="Choose the period">
      <label htmlFor="days">{label}</label>
      <select id="days" name="days" defaultValue={String(days)}>
        {PERIODS.map((d) => (
          <option key={d} value={d}>
            Last {d} days
          </option>
        ))}
      </select>
      <button type="submit" className="btn btn-small">
        Show
      </button>
    </Form>
  );
}
