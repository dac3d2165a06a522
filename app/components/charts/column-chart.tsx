import { type Point, columnChart } from "#app/domain/chart-geometry";

/**
 * Vertical bars (e.g. cost per day) as plain SVG: no script, scales to the
 * container's width. Each bar carries a <title> with its value, and a table
 * with every value sits under the chart for screen readers and exact reading.
 */
export function ColumnChart({ title, points, format, testId }: { title: string; points: Point[]; format: (v: number) => string; testId?: string }) {
  const chart = columnChart(points);
  const { box } = chart;
  const total = points.reduce((sum, p) => sum + p.value, 0);
  return (
    <figure className="chart" data-testid={testId}>
      <svg viewBox={`0 0 ${box.width} ${box.height}`} className="chart-svg" role="img" aria-label={`${title}: ${points.length} bars, total ${format(total)}`}>
        <title>{title}</title>
        {chart.ticks.map((t) => (
          <g key={t.value} className="chart-tick">
            <line x1={box.left} x2={box.width - box.right} y1={t.y} y2={t.y} />
            <text x={box.left - 4} y={t.y} dy="0.32em" textAnchor="end">
              {format(t.value)}
            </text>
          </g>
        ))}
        {chart.bars.map((b) => (
          <rect key={b.label} className="chart-bar" x={b.x} y={b.y} width={b.width} height={b.height} data-label={b.label} data-value={b.value}>
            <title>{`${b.label}: ${format(b.value)}`}</title>
          </rect>
        ))}
        {chart.labelled.map((i) => {
          const b = chart.bars[i]!;
          return (
            <text key={b.label} className="chart-label" x={b.x + b.width / 2} y={box.height - 6} textAnchor="middle">
              {b.label}
            </text>
          );
        })}
      </svg>
      <details className="chart-table">
        <summary>Values</summary>
        <div className="table-scroll" tabIndex={0}>
          <table className="table">
            <caption className="sr-only">{title}</caption>
            <tbody>
              {points.map((p) => (
                <tr key={p.label}>
                  <th scope="row">{p.label}</th>
                  <td>{format(p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
