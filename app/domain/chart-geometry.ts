// Geometry for the small SVG charts: scales, "nice" axis ticks and bar
// rectangles, computed here so the components only draw. Pure and unit-tested.

export interface Point {
  label: string;
  value: number;
}

/** A step of 1, 2, 2.5 or 5 × 10^k so that `count` steps cover `max`. */
export function niceStep(max: number, count = 4): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw - 1e-12)!;
  return step;
}

/** Tick values from 0 up to the first multiple of the step that reaches max; [0, 1] for empty or all-zero data. */
export function niceTicks(max: number, count = 4): number[] {
  const step = niceStep(max, count);
  const top = max > 0 && Number.isFinite(max) ? Math.ceil(max / step - 1e-9) * step : step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 1e6; i++) ticks.push(round(i * step));
  return ticks;
}

/** Maps [0, domainMax] onto [0, rangeMax]; a zero domain maps everything to 0. */
export function linearScale(domainMax: number, rangeMax: number): (value: number) => number {
  if (!(domainMax > 0)) return () => 0;
  return (value) => (Math.max(0, Math.min(value, domainMax)) / domainMax) * rangeMax;
}

export interface Box {
  width: number;
  height: number;
  /** Room for the y-axis labels on the left and the x labels below. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

// Small enough that 10px labels stay legible when a phone shrinks the chart.
export const DEFAULT_BOX: Box = { width: 420, height: 160, left: 44, bottom: 18, top: 6, right: 16 };

export interface VerticalBar extends Point {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ColumnChart {
  box: Box;
  bars: VerticalBar[];
  ticks: Array<{ value: number; y: number }>;
  /** Indexes of bars whose label is drawn (every nth, so labels never overlap). */
  labelled: number[];
  max: number;
}

/** Vertical bars, one per point, on a 0-based axis with nice ticks. */
export function columnChart(points: Point[], box: Box = DEFAULT_BOX, maxLabels = 6): ColumnChart {
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const ticks = niceTicks(Math.max(0, ...points.map((p) => p.value)));
  const max = ticks[ticks.length - 1]!;
  const scale = linearScale(max, plotH);
  const slot = points.length > 0 ? plotW / points.length : 0;
  const gap = Math.min(2, slot * 0.2);
  const bars = points.map((p, i) => {
    const h = scale(p.value);
    return { ...p, x: round(box.left + i * slot + gap / 2), y: round(box.top + plotH - h), width: round(Math.max(0, slot - gap)), height: round(h) };
  });
  const every = Math.max(1, Math.ceil(points.length / maxLabels));
  const labelled = points.map((_, i) => i).filter((i) => (points.length - 1 - i) % every === 0);
  return { box, bars, ticks: ticks.map((value) => ({ value, y: round(box.top + plotH - scale(value)) })), labelled, max };
}

export interface HorizontalBar extends Point {
  /** Bar length as a share of the largest value, 0..1. */
  share: number;
  y: number;
  width: number;
}

/** Horizontal bars scaled to the largest value, one row of `rowHeight` each. */
export function horizontalBars(points: Point[], width = 300, rowHeight = 18): { bars: HorizontalBar[]; height: number; width: number } {
  const max = Math.max(0, ...points.map((p) => p.value));
  const scale = linearScale(max, width);
  const bars = points.map((p, i) => ({ ...p, share: max > 0 ? round(Math.max(0, p.value) / max) : 0, y: i * rowHeight, width: round(scale(p.value)) }));
  return { bars, height: points.length * rowHeight, width };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
