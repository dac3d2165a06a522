// Cost math for the usage ledger, the same as SQL's price_usage/usage_cost
// (supabase/sql/09_costs_budgets.sql); an integration test keeps the two equal.
//
// Prices are USD per million tokens. A cost is exact decimal math rounded to
// 6 decimals, half away from zero (numeric `round` in PostgreSQL), returned
// as a decimal string so no float rounding creeps in.
//
// Model names match exactly after normalising (trimmed, lower case); a name
// with a provider prefix ("anthropic/claude-sonnet-4") is tried in full first,
// then without everything up to its last "/".

import { formatUsd } from "./money";

export type Provenance = "reported" | "estimated" | "included" | "unpriced";

export interface ModelPrice {
  model: string;
  version: number;
  input_usd_per_mtok: number | string;
  output_usd_per_mtok: number | string;
  cache_read_usd_per_mtok: number | string;
  cache_write_usd_per_mtok: number | string;
  included: boolean;
  effective_from: string;
}

export interface UsageReport {
  model?: string | null;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  cost_usd?: number | null;
}

export interface PricedUsage {
  cost_usd: string | null;
  provenance: Provenance;
  price_version: number | null;
}

export function normalizeModelName(model: string | null | undefined): string {
  return (model ?? "").trim().toLowerCase();
}

/** The names tried, in order: the full normalised name, then without its provider prefix. */
export function modelLookupNames(model: string | null | undefined): string[] {
  const full = normalizeModelName(model);
  const bare = full.replace(/^.*\//, "");
  return bare === full ? [full] : [full, bare];
}

/** The price row in effect for a model at a time, or null. */
export function findPrice(prices: readonly ModelPrice[], model: string | null | undefined, at: Date): ModelPrice | null {
  for (const name of modelLookupNames(model)) {
    const candidates = prices
      .filter((p) => p.model === name && new Date(p.effective_from).getTime() <= at.getTime())
      .sort((a, b) => new Date(b.effective_from).getTime() - new Date(a.effective_from).getTime() || b.version - a.version);
    if (candidates[0]) return candidates[0];
  }
  return null;
}

const SCALE = 1_000_000n;

/** A non-negative decimal (number or string) in millionths, exactly. */
export function toMicros(value: number | string): bigint {
  // A number as JSON would send it (what SQL sees), exponent forms expanded.
  const text = typeof value === "number" ? (/e/i.test(String(value)) ? value.toFixed(12) : String(value)) : value.trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new Error(`not a non-negative decimal: ${text}`);
  const frac = (match[2] ?? "").padEnd(7, "0");
  // Round the 7th decimal half up (values are non-negative).
  const micros = BigInt(match[1]!) * SCALE + BigInt(frac.slice(0, 6));
  return frac[6]! >= "5" ? micros + 1n : micros;
}

/** Millionths as a decimal string with 6 places. */
export function fromMicros(micros: bigint): string {
  const whole = micros / SCALE;
  const frac = (micros % SCALE).toString().padStart(6, "0");
  return `${whole}.${frac}`;
}

/** The cost of one report at one price row, rounded to 6 decimals. */
export function usageCost(usage: UsageReport, price: ModelPrice): string {
  // tokens × (micro-USD per million tokens) = 1e-12 USD; back to micro-USD, half up.
  const picos =
    BigInt(usage.input_tokens ?? 0) * toMicros(price.input_usd_per_mtok) +
    BigInt(usage.output_tokens ?? 0) * toMicros(price.output_usd_per_mtok) +
    BigInt(usage.cache_read_tokens ?? 0) * toMicros(price.cache_read_usd_per_mtok) +
    BigInt(usage.cache_write_tokens ?? 0) * toMicros(price.cache_write_usd_per_mtok);
  return fromMicros((picos + SCALE / 2n) / SCALE);
}

/**
 * What a report costs and where the figure comes from: an included
 * (subscription) model has no dollars even if some were reported; otherwise a
 * reported cost wins; otherwise the price table's estimate names its version;
 * with neither it is unpriced.
 */
export function priceUsage(usage: UsageReport, prices: readonly ModelPrice[], at: Date): PricedUsage {
  const price = findPrice(prices, usage.model, at);
  if (price?.included) return { cost_usd: null, provenance: "included", price_version: price.version };
  if (usage.cost_usd !== undefined && usage.cost_usd !== null) {
    return { cost_usd: fromMicros(toMicros(usage.cost_usd)), provenance: "reported", price_version: null };
  }
  if (price) return { cost_usd: usageCost(usage, price), provenance: "estimated", price_version: price.version };
  return { cost_usd: null, provenance: "unpriced", price_version: null };
}

/**
 * A compact cost for cards in the one money format: `$0.42`, `$0.42 est.`
 * when any part is estimated or unpriced, null when there are no dollars.
 */
export function formatCost(cost: number | string | null | undefined, provenance: Provenance | null | undefined): string | null {
  if (!provenance || provenance === "included") return null;
  const text = formatUsd(Number(cost ?? 0));
  return provenance === "reported" ? text : `${text} est.`;
}

/** A workspace's spend over a window, as list_workspaces sums it (provenance null: no usage records). */
export interface SpendFigure {
  cost_usd: number | string;
  records: number;
  provenance: Exclude<Provenance, "unpriced"> | null;
}

/** A spend figure for a card: "$12.34", "$12.34 est.", "$0.00" with no usage, "included" when all of it was. */
export function formatSpend(figure: SpendFigure): string {
  if (figure.provenance === null) return formatUsd(0);
  return formatCost(figure.cost_usd, figure.provenance) ?? "included";
}

/** Where a figure comes from, in words for the task page. */
export function provenanceLabel(provenance: Provenance, priceVersions: readonly number[] = []): string {
  switch (provenance) {
    case "reported":
      return "reported";
    case "estimated":
      return priceVersions.length > 0 ? `estimated from price v${priceVersions.join(", v")}` : "estimated";
    case "included":
      return "included in subscription";
    case "unpriced":
      return "no price known";
  }
}

/**
 * Where a total comes from, part by part: "reported", or "$0.80 reported ·
 * $0.03 estimated from price v1 · 1 report without a price" when it mixes
 * sources, so a mostly reported cost is not labelled estimated.
 */
export function provenanceBreakdown(
  records: readonly { provenance: Provenance; cost_usd: number | string | null; price_version: number | null }[],
): string | null {
  const kinds = [...new Set(records.map((r) => r.provenance))];
  if (kinds.length === 0) return null;
  const versions = (rs: typeof records) => [...new Set(rs.flatMap((r) => (r.price_version === null ? [] : [r.price_version])))].sort((a, b) => a - b);
  if (kinds.length === 1) return provenanceLabel(kinds[0]!, versions(records));
  const order: Provenance[] = ["reported", "estimated", "included", "unpriced"];
  return order
    .filter((k) => kinds.includes(k))
    .map((k) => {
      const part = records.filter((r) => r.provenance === k);
      if (k === "unpriced") return `${part.length} ${part.length === 1 ? "report" : "reports"} without a price`;
      if (k === "included") return `${part.length} included in subscription`;
      const sum = part.reduce((total, r) => total + Number(r.cost_usd ?? 0), 0);
      return `${formatUsd(sum)} ${provenanceLabel(k, versions(part))}`;
    })
    .join(" · ");
}
