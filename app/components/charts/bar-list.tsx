import type { ReactNode } from "react";
import { horizontalBars } from "#app/domain/chart-geometry";

export interface BarItem {
  key: string;
  label: ReactNode;
  /** Plain-text name for the bar's accessible title. */
  name: string;
  value: number;
  /** A line under the bar: where the figure came from, or what it is made of. */
  note?: ReactNode;
}

/**
 * Horizontal bars, one row each: name and value written out, an SVG bar
 * scaled to the largest value, and an optional note, so nothing depends on
 * reading the bar.
 */
export function BarList({ title, items, format, testId }: { title: string; items: BarItem[]; format: (v: number) => string; testId?: string }) {
  const { bars, width } = horizontalBars(items.map((i) => ({ label: i.key, value: i.value })));
  if (items.length === 0) return <p className="muted">Nothing in this period.</p>;
  return (
    <ul className="bar-list" aria-label={title} data-testid={testId}>
      {items.map((item, i) => (
        <li key={item.key} className="bar-row">
          <span className="bar-name">{item.label}</span>
          <svg className="bar-svg" viewBox={`0 0 ${width} 10`} preserveAspectRatio="none" role="img" aria-label={`${item.name}: ${format(item.value)}`}>
            <title>{`${item.name}: ${format(item.value)}`}</title>
            <rect className="bar-track" x={0} y={0} width={width} height={10} />
            <rect className="chart-bar" x={0} y={0} width={bars[i]!.width} height={10} data-label={item.name} data-value={item.value} />
          </svg>
          <span className="bar-value">{format(item.value)}</span>
          {item.note ? <span className="bar-note">{item.note}</span> : null}
        </li>
      ))}
    </ul>
  );
}
