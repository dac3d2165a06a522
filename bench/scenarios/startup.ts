import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { startApp } from "../lib/app-server";
import { CFG, ROOT } from "../lib/config";
import { type Kind, LOG_DIR, createBenchDb } from "../lib/databases";
import { record } from "../lib/results";
import { sleep } from "../lib/stats";

// Scenario 5: cold start (spawn → first 200 from /api/health), the first
// start (which applies every migration) separately, idle RSS, bundle size.

const S = "5. start and footprint";

export async function startup(kind: Kind): Promise<void> {
  const db = await createBenchDb(kind, "startup");
  const start = () => startApp({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logDir: LOG_DIR });
  try {
    const first = await start();
    record({ scenario: S, db: kind, metric: "first start (empty database, all migrations) to /api/health 200", unit: "ms", value: first.coldStartMs });
    await first.stop();
    const cold: number[] = [];
    const rss: number[] = [];
    for (let r = 0; r < CFG.startRepeats; r++) {
      const app = await start();
      cold.push(app.coldStartMs);
      for (let i = 0; i < 5; i++) await (await fetch(`${app.url}/api/health`)).arrayBuffer();
      await sleep(3000);
      rss.push(app.rssBytes() / 2 ** 20);
      await app.stop();
    }
    record({
      scenario: S,
      db: kind,
      metric: `cold start, existing ${kind === "postgres" ? "database" : "data dir"}, to /api/health 200`,
      unit: "ms",
      value: cold,
      target: { op: "<=", value: kind === "postgres" ? 300 : 500 },
    });
    record({ scenario: S, db: kind, metric: "idle RSS", unit: "MB", value: rss, target: { op: "<=", value: kind === "postgres" ? 90 : 150 } });
  } finally {
    await db.drop();
  }
  if (kind === "postgres") return;
  record({ scenario: S, db: "-", metric: "bundle on disk: build/ total", unit: "MB", value: dirSize(path.join(ROOT, "build")) / 2 ** 20 });
  record({ scenario: S, db: "-", metric: "bundle on disk: build/server", unit: "MB", value: dirSize(path.join(ROOT, "build/server")) / 2 ** 20 });
  record({ scenario: S, db: "-", metric: "bundle on disk: build/client", unit: "MB", value: dirSize(path.join(ROOT, "build/client")) / 2 ** 20 });
}

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(full) : statSync(full).size;
  }
  return total;
}
