import type { ModelPrice, UsageReport } from "#app/domain/costs";

// A price table and report cases shared by the cost unit tests and the
// SQL-vs-domain cross-check, so both sides are held to the same table.

export const TEST_PRICES: ModelPrice[] = [
  {
    model: "test-sonnet",
    version: 1,
    input_usd_per_mtok: "3",
    output_usd_per_mtok: "15",
    cache_read_usd_per_mtok: "0.3",
    cache_write_usd_per_mtok: "3.75",
    included: false,
    effective_from: "2025-01-01T00:00:00Z",
  },
  {
    model: "test-sonnet",
    version: 2,
    input_usd_per_mtok: "2.5",
    output_usd_per_mtok: "12.5",
    cache_read_usd_per_mtok: "0.25",
    cache_write_usd_per_mtok: "3.125",
    included: false,
    effective_from: "2025-06-01T00:00:00Z",
  },
  {
    model: "test-mini",
    version: 1,
    input_usd_per_mtok: "0.15",
    output_usd_per_mtok: "0.6",
    cache_read_usd_per_mtok: "0.075",
    cache_write_usd_per_mtok: "0",
    included: false,
    effective_from: "2025-01-01T00:00:00Z",
  },
  {
    model: "test-sub",
    version: 1,
    input_usd_per_mtok: "0",
    output_usd_per_mtok: "0",
    cache_read_usd_per_mtok: "0",
    cache_write_usd_per_mtok: "0",
    included: true,
    effective_from: "2025-01-01T00:00:00Z",
  },
];

export interface CostCase {
  name: string;
  usage: UsageReport;
  at: string;
  expected: { cost_usd: string | null; provenance: string; price_version: number | null };
}

export const COST_CASES: CostCase[] = [
  {
    name: "input and output",
    usage: { model: "test-sonnet", input_tokens: 1000, output_tokens: 500 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.010500", provenance: "estimated", price_version: 1 },
  },
  {
    name: "cache tokens",
    usage: { model: "test-sonnet", input_tokens: 1000, output_tokens: 500, cache_read_tokens: 2000, cache_write_tokens: 100 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.011475", provenance: "estimated", price_version: 1 },
  },
  {
    name: "after the price change",
    usage: { model: "test-sonnet", input_tokens: 1000, output_tokens: 500, cache_read_tokens: 2000, cache_write_tokens: 100 },
    at: "2025-07-01T00:00:00Z",
    expected: { cost_usd: "0.009563", provenance: "estimated", price_version: 2 },
  },
  {
    name: "exactly at the change",
    usage: { model: "test-sonnet", input_tokens: 1 },
    at: "2025-06-01T00:00:00Z",
    expected: { cost_usd: "0.000003", provenance: "estimated", price_version: 2 },
  },
  {
    name: "rounds half up at 6 decimals",
    usage: { model: "test-mini", cache_read_tokens: 20 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.000002", provenance: "estimated", price_version: 1 },
  },
  {
    name: "rounds down below half",
    usage: { model: "test-mini", input_tokens: 3 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.000000", provenance: "estimated", price_version: 1 },
  },
  {
    name: "provider prefix and case",
    usage: { model: " OpenAI/Test-Mini ", input_tokens: 1_000_000, output_tokens: 1_000_000 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.750000", provenance: "estimated", price_version: 1 },
  },
  {
    name: "large counts",
    usage: { model: "test-sonnet", input_tokens: 123_456_789, output_tokens: 9_876_543, cache_read_tokens: 55_555_555, cache_write_tokens: 7_777_777 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "564.351842", provenance: "estimated", price_version: 1 },
  },
  {
    name: "reported cost wins over the table",
    usage: { model: "test-sonnet", input_tokens: 1000, cost_usd: 0.4242 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: "0.424200", provenance: "reported", price_version: null },
  },
  {
    name: "included model: tokens, no dollars",
    usage: { model: "test-sub", input_tokens: 5000, output_tokens: 100, cost_usd: 1.5 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: null, provenance: "included", price_version: 1 },
  },
  {
    name: "unknown model",
    usage: { model: "nobody-knows", input_tokens: 5000 },
    at: "2025-03-01T00:00:00Z",
    expected: { cost_usd: null, provenance: "unpriced", price_version: null },
  },
  {
    name: "before the first version",
    usage: { model: "test-sonnet", input_tokens: 5000 },
    at: "2024-12-31T23:59:59Z",
    expected: { cost_usd: null, provenance: "unpriced", price_version: null },
  },
];
