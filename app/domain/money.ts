/**
 * The one money format. Amounts are US dollars with two decimals and
 * thousands separators ("$1,234.50"); a non-zero amount under a cent would
 * read as "$0.00", so it shows as "<$0.01" and the exact figure goes in a
 * title. Nothing here says where a figure comes from: that is a word beside
 * it (see provenanceLabel), not part of the number.
 */

const USD = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const EXACT = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 6 });

function toNumber(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** "$4.12", "<$0.01", "-$3.00"; "—" when there is no amount. */
export function formatUsd(value: number | string | null | undefined): string {
  const n = toNumber(value);
  if (n === null) return "—";
  if (n !== 0 && Math.abs(n) < 0.005) return n > 0 ? "<$0.01" : "-<$0.01";
  return USD.format(n);
}

/** Up to six decimals, for a price per million tokens or a title: "$0.000315". */
export function formatUsdExact(value: number | string | null | undefined): string {
  const n = toNumber(value);
  return n === null ? "—" : EXACT.format(n);
}
