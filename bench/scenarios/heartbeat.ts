import { SECRETS } from "#tests/support/agent-plane";
import { CFG } from "../lib/config";
import { type Kind, prepare } from "../lib/databases";
import { record } from "../lib/results";
import { seedBase, seedTasks } from "../lib/seed";
import { median } from "../lib/stats";

// Scenario 4: an idle heartbeat over 10,000 tasks (a realistic mix with
// nothing due) — its own duration_ms from the receipt, and its gateway calls.

const S = "4. heartbeat";

export interface Receipt {
  duration_ms: number;
  gateway_calls: number;
  actions: unknown[];
}

export async function runHeartbeat(url: string): Promise<{ receipt: Receipt; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${SECRETS.MC_API_TOKEN}` } });
  const receipt = (await res.json()) as Receipt;
  if (res.status !== 200) throw new Error(`heartbeat answered ${res.status}: ${JSON.stringify(receipt)}`);
  return { receipt, ms: performance.now() - started };
}

export async function heartbeat(kind: Kind): Promise<void> {
  const fx = await prepare(kind, "heartbeat", async (db) => {
    const base = await seedBase(db);
    await seedTasks(db, base, CFG.heartbeatTasks);
    return base;
  });
  const label = `idle run over ${CFG.heartbeatTasks.toLocaleString("en")} tasks`;
  try {
    for (let i = 0; i < 3; i++) await runHeartbeat(fx.app.url);
    const server: number[] = [];
    const client: number[] = [];
    const calls: number[] = [];
    const actions: number[] = [];
    for (let r = 0; r < CFG.repeats; r++) {
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await runHeartbeat(fx.app.url));
      server.push(median(runs.map((x) => x.receipt.duration_ms)));
      client.push(median(runs.map((x) => x.ms)));
      calls.push(Math.max(...runs.map((x) => x.receipt.gateway_calls)));
      actions.push(Math.max(...runs.map((x) => x.receipt.actions.length)));
    }
    record({ scenario: S, db: kind, metric: `${label}: server time (receipt duration_ms)`, unit: "ms", value: server, target: { op: "<=", value: 20 } });
    record({ scenario: S, db: kind, metric: `${label}: request time (incl. lock, receipt write)`, unit: "ms", value: client });
    record({ scenario: S, db: kind, metric: `${label}: gateway calls`, unit: "count", value: calls, target: { op: "<=", value: 0 } });
    record({ scenario: S, db: kind, metric: `${label}: actions taken`, unit: "count", value: actions, target: { op: "<=", value: 0 } });
  } finally {
    await fx.close();
  }
}
