import type { Row } from "./lib/results";
import { median } from "./lib/stats";

// The growth curve as a small dependency-free SVG: one panel per measure,
// rows on a log axis, one line per database.

const PANELS = [
  { match: "board document time", title: "Board document (ms)" },
  { match: "heartbeat duration_ms", title: "Idle heartbeat (ms)" },
  { match: "replay of the last", title: "Replay 500 events (ms)" },
];
const COLORS: Record<string, string> = { postgres: "#4c8dff", pglite: "#f5a623" };
const W = 300;
const H = 220;
const PAD = { l: 44, r: 12, t: 28, b: 36 };

export function growthSvg(rows: Row[]): string {
  const growth = rows.filter((r) => r.scenario.startsWith("6."));
  const parts: string[] = [];
  PANELS.forEach((panel, i) => {
    const series = new Map<string, Array<[number, number]>>();
    for (const r of growth.filter((g) => g.metric.includes(panel.match))) {
      const n = Number(r.metric.split(" rows")[0]!.replaceAll(",", ""));
      const list = series.get(r.db) ?? [];
      list.push([n, median(r.values)]);
      series.set(r.db, list);
    }
    const xs = [...series.values()].flat().map(([n]) => n);
    const ys = [...series.values()].flat().map(([, v]) => v);
    if (xs.length === 0) return;
    const x0 = Math.log10(Math.min(...xs));
    const x1 = Math.log10(Math.max(...xs)) || x0 + 1;
    const yMax = Math.max(...ys) * 1.15 || 1;
    const ox = i * W;
    const px = (n: number) => ox + PAD.l + ((Math.log10(n) - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
    const py = (v: number) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
    parts.push(`<text x="${ox + W / 2}" y="16" text-anchor="middle" font-weight="bold">${panel.title}</text>`);
    parts.push(`<line x1="${ox + PAD.l}" y1="${H - PAD.b}" x2="${ox + W - PAD.r}" y2="${H - PAD.b}" stroke="#888"/>`);
    parts.push(`<line x1="${ox + PAD.l}" y1="${PAD.t}" x2="${ox + PAD.l}" y2="${H - PAD.b}" stroke="#888"/>`);
    for (const t of [0, 0.5, 1]) {
      const v = yMax * t;
      parts.push(`<text x="${ox + PAD.l - 4}" y="${py(v) + 4}" text-anchor="end" font-size="10">${Math.round(v)}</text>`);
    }
    for (const n of [...new Set(xs)].sort((a, b) => a - b)) {
      parts.push(`<text x="${px(n)}" y="${H - PAD.b + 14}" text-anchor="middle" font-size="10">${n >= 1000 ? `${n / 1000}k` : n}</text>`);
    }
    parts.push(`<text x="${ox + W / 2}" y="${H - 6}" text-anchor="middle" font-size="10">tasks and events (log scale)</text>`);
    for (const [db, points] of series) {
      points.sort((a, b) => a[0] - b[0]);
      const d = points.map(([n, v], k) => `${k ? "L" : "M"}${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[db] ?? "#999"}" stroke-width="2"/>`);
      for (const [n, v] of points) parts.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${COLORS[db] ?? "#999"}"/>`);
    }
  });
  const legend = Object.entries(COLORS)
    .map(
      ([db, c], k) =>
        `<rect x="${10 + k * 110}" y="${H + 4}" width="10" height="10" fill="${c}"/><text x="${24 + k * 110}" y="${H + 13}" font-size="11">${db === "pglite" ? "embedded" : "PostgreSQL"}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * PANELS.length}" height="${H + 20}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n${legend}\n</svg>\n`;
}
