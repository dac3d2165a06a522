import path from "node:path";
import { SECRETS } from "#tests/support/secrets";
import { signWebhook } from "#tests/support/http-client";
import { CFG } from "../lib/config";
import { type Kind, prepare } from "../lib/databases";
import { load, startBare } from "../lib/load";
import { record } from "../lib/results";
import { seedBase, seedRunning, seedTasks } from "../lib/seed";

// Scenario 1: the agent write path under c=50 — activities and signed
// completion webhooks — against the bare limit measured in the same run,
// bare and app interleaved per repeat so both see the same machine load.

const S = "1. agent write path";

export async function writePath(kind: Kind): Promise<void> {
  const fx = await prepare(kind, "write", async (db) => {
    const base = await seedBase(db);
    await seedTasks(db, base, 5_000);
    const running = await seedRunning(db, base, CFG.connections);
    const completing = await seedRunning(db, base, 2_000);
    return { base, running, completing };
  });
  const bare = await startBare(kind, fx.db.databaseUrl, path.join(fx.db.dataDir, "bare"));
  const { running, completing, base } = fx.seeded;
  const activity = JSON.stringify({ type: "progress", message: "Step 3 of 5: running the test suite", metadata: { step: 3, of: 5 } });
  const common = { connections: CFG.connections, duration: CFG.writeSeconds };
  try {
    // Warm up both (JIT, pools, prepared statements).
    await load({ url: bare.url, ...common, duration: 2, method: "POST", body: activity, headers: { "content-type": "application/json" } });
    let a = 0;
    await load({
      url: fx.app.url,
      ...common,
      duration: 2,
      requests: [{ method: "POST", setupRequest: (r) => ({ ...r, path: `/api/agent/tasks/${running[a++ % running.length]}/activities` }) }],
      headers: { "content-type": "application/json", authorization: `Bearer ${base.token}` },
      body: activity,
    });
    for (let i = 0; i < CFG.repeats; i++) {
      const b = await load({ url: bare.url, ...common, method: "POST", body: activity, headers: { "content-type": "application/json" } });
      record({ scenario: S, db: kind, metric: "bare limit (node:http + 1 INSERT)", unit: "req/s", value: b.rps });
      record({ scenario: S, db: kind, metric: "bare limit p99", unit: "ms", value: b.p99 });

      let n = 0;
      const act = await load({
        url: fx.app.url,
        ...common,
        requests: [{ method: "POST", setupRequest: (r) => ({ ...r, path: `/api/agent/tasks/${running[n++ % running.length]}/activities` }) }],
        headers: { "content-type": "application/json", authorization: `Bearer ${base.token}` },
        body: activity,
      });
      report(kind, "POST activities", act, b.rps);

      let m = 0;
      const hook = await load({
        url: fx.app.url,
        ...common,
        requests: [
          {
            method: "POST",
            path: "/api/webhooks/agent-completion",
            setupRequest: (r) => {
              // Each body differs: the same body again is a duplicate delivery, answered before any write.
              const body = JSON.stringify({ task_id: completing[m % completing.length], summary: `Done: the report is attached (${m++}).` });
              return { ...r, body, headers: { ...signWebhook(body, { secret: SECRETS.WEBHOOK_SECRET }) } };
            },
          },
        ],
      });
      report(kind, "POST webhook (signed)", hook, b.rps);
    }
  } finally {
    await bare.stop();
    await fx.close();
  }
}

function report(kind: Kind, name: string, r: Awaited<ReturnType<typeof load>>, bareRps: number): void {
  record({ scenario: S, db: kind, metric: `${name} throughput`, unit: "req/s", value: r.rps });
  record({
    scenario: S,
    db: kind,
    metric: `${name} share of bare limit`,
    unit: "%",
    value: (100 * r.rps) / bareRps,
    target: kind === "postgres" ? { op: ">=", value: 40 } : undefined,
  });
  record({ scenario: S, db: kind, metric: `${name} p99`, unit: "ms", value: r.p99, target: { op: "<=", value: 30 } });
  record({ scenario: S, db: kind, metric: `${name} errors`, unit: "count", value: r.errors, target: { op: "<=", value: 0 } });
}
