import { median, round } from "./stats";

// Every measurement lands here: one row per (scenario, database, metric),
// holding each repeat's value, so the report can show min/median/max.

export type Op = "<=" | ">=" | "=";

export interface Row {
  scenario: string;
  db: string;
  metric: string;
  unit: string;
  values: number[];
  target?: { op: Op; value: number };
  note?: string;
}

export const rows: Row[] = [];
export const notes: string[] = [];

export function record(row: Omit<Row, "values"> & { value: number | number[] }): void {
  const values = (Array.isArray(row.value) ? row.value : [row.value]).map((v) => round(v, 2));
  const existing = rows.find((r) => r.scenario === row.scenario && r.db === row.db && r.metric === row.metric);
  if (existing) existing.values.push(...values);
  else rows.push({ scenario: row.scenario, db: row.db, metric: row.metric, unit: row.unit, values, target: row.target, note: row.note });
  process.stdout.write(`  ${row.scenario} [${row.db}] ${row.metric}: ${values.join(", ")} ${row.unit}\n`);
}

export function summary(row: Row) {
  const min = Math.min(...row.values);
  const max = Math.max(...row.values);
  const med = round(median(row.values), 2);
  const t = row.target;
  // "=" (a count that must match exactly) holds for every repeat, not just the median.
  const pass = t ? (t.op === "<=" ? med <= t.value : t.op === ">=" ? med >= t.value : row.values.every((v) => v === t.value)) : null;
  return { min, median: med, max, pass };
}
