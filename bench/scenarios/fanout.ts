import { SECRETS } from "#tests/support/secrets";
import { emitEvent } from "#app/db/events.server";
import type { SqlDatabase } from "#app/db/types";
import { CFG } from "../lib/config";
import { type Fixture, type Kind, prepare } from "../lib/databases";
import { record } from "../lib/results";
import { type Base, seedBase, seedRunning } from "../lib/seed";
import { type SseClient, openSse } from "../lib/sse";
import { percentile, sleep } from "../lib/stats";

// Scenario 3: live fan-out. N clients hold /api/events/stream open; one
// change must reach all of them quickly, and a burst of 100 changes/s must
// reach every client with nothing lost. On PostgreSQL the bench writes the
// event straight to the database (emit_event, its own transaction) and then
// announces it as another instance would (NOTIFY mc_events); on the embedded
// database, which only the app can open, through the agent API.
// Latency is measured from the moment the write is issued, so it includes
// the write itself (an upper bound on the time from commit).

const S = "3. live fan-out";

type Fx = Fixture<{ base: Base; task: string }>;

export async function fanout(kind: Kind): Promise<void> {
  const fx: Fx = await prepare(kind, "fanout", async (db) => {
    const base = await seedBase(db);
    const [task] = await seedRunning(db, base, 1);
    return { base, task: task! };
  });
  // PostgreSQL: a direct connection for writes, opened while the app runs.
  const direct = kind === "postgres" ? await openDirect(fx) : null;
  try {
    for (const n of CFG.sseClients) await single(fx, kind, n, direct);
    await burst(fx, kind, CFG.sseClients[0]!, direct);
  } finally {
    await direct?.close();
    await fx.close();
  }
}

async function openDirect(fx: Fx): Promise<SqlDatabase> {
  const { openPostgres } = await import("#app/db/postgres.server");
  return openPostgres(fx.db.databaseUrl!, { max: 1 });
}

async function write(fx: Fx, direct: SqlDatabase | null, n: number): Promise<void> {
  if (direct) {
    await emitEvent(direct, {
      type: "task.updated",
      workspaceId: fx.seeded.base.workspaceId,
      taskId: fx.seeded.task,
      agentId: null,
      actor: { type: "system", name: "bench" },
      payload: { title: "Bench task", n },
    });
    await direct.notify("mc_events", "bench");
    return;
  }
  const res = await fetch(`${fx.app.url}/api/agent/tasks/${fx.seeded.task}/activities`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${fx.seeded.base.token}` },
    body: JSON.stringify({ type: "progress", message: `tick ${n}` }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`activity answered ${res.status}`);
}

async function connect(fx: Fx, n: number): Promise<SseClient[]> {
  const url = `${fx.app.url}/api/events/stream?token=${encodeURIComponent(SECRETS.MC_API_TOKEN)}`;
  const clients: SseClient[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => openSse(url));
    clients.push(...batch);
    await Promise.all(batch.map((c) => c.ready));
  }
  return clients;
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!check() && performance.now() < until) await sleep(10);
}

async function single(fx: Fx, kind: Kind, n: number, direct: SqlDatabase | null): Promise<void> {
  const label = `${n.toLocaleString("en")} clients`;
  // Steady state: a first round of N streams grows the heap once; the second
  // round's growth is what N open streams cost.
  for (const c of await connect(fx, n)) c.close();
  await sleep(1000);
  const rssBefore = fx.app.rssBytes();
  const clients = await connect(fx, n);
  await sleep(1000);
  const rssAfter = fx.app.rssBytes();
  record({
    scenario: S,
    db: kind,
    metric: `${label}: server memory per open stream`,
    unit: "KB",
    value: (rssAfter - rssBefore) / n / 1024,
    target: { op: "<=", value: 40 },
  });
  try {
    const p99s: number[] = [];
    const missed: number[] = [];
    for (let r = 0; r < CFG.repeats; r++) {
      const counts = clients.map((c) => c.seen.size);
      const t0 = performance.now();
      await write(fx, direct, r);
      await waitFor(() => clients.every((c, i) => c.seen.size > counts[i]!), 10_000);
      const latencies: number[] = [];
      let miss = 0;
      for (const [i, c] of clients.entries()) {
        if (c.seen.size <= counts[i]!) miss++;
        else latencies.push(Math.max(...[...c.seen.values()].slice(counts[i]!)) - t0);
      }
      p99s.push(percentile(latencies, 99));
      missed.push(miss);
      await sleep(300);
    }
    record({
      scenario: S,
      db: kind,
      metric: `${label}: one change, p99 from the write`,
      unit: "ms",
      value: p99s,
      target: { op: "<=", value: n <= 1000 ? 40 : 200 },
    });
    record({ scenario: S, db: kind, metric: `${label}: one change, clients missed`, unit: "count", value: missed, target: { op: "<=", value: 0 } });
  } finally {
    for (const c of clients) c.close();
  }
}

async function burst(fx: Fx, kind: Kind, n: number, direct: SqlDatabase | null): Promise<void> {
  const label = `${n.toLocaleString("en")} clients, ${CFG.burstRate} changes/s for ${CFG.burstSeconds} s`;
  await sleep(500);
  const clients = await connect(fx, n);
  try {
    const total = CFG.burstRate * CFG.burstSeconds;
    // The server's CPU time per message delivered: unlike latency, it barely
    // moves with what else the machine is doing.
    const cpuBefore = fx.app.cpuMs();
    const start = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / CFG.burstRate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      writes.push(write(fx, direct, i));
    }
    await Promise.all(writes);
    const achieved = total / ((performance.now() - start) / 1000);
    // Every client must end with the same ids: the union of what anyone saw.
    await waitFor(() => clients.every((c) => c.seen.size >= total), 20_000);
    const cpu = fx.app.cpuMs() - cpuBefore;
    const union = new Set<number>();
    for (const c of clients) for (const id of c.seen.keys()) union.add(id);
    let lost = 0;
    for (const c of clients) lost += union.size - c.seen.size;
    record({ scenario: S, db: kind, metric: `${label}: write rate achieved`, unit: "changes/s", value: achieved });
    record({ scenario: S, db: kind, metric: `${label}: distinct events delivered`, unit: "count", value: union.size, target: { op: ">=", value: total } });
    record({ scenario: S, db: kind, metric: `${label}: events lost (sum over clients)`, unit: "count", value: lost, target: { op: "<=", value: 0 } });
    const delivered = clients.reduce((sum, c) => sum + c.seen.size, 0);
    record({ scenario: S, db: kind, metric: `${label}: server CPU per delivered message`, unit: "µs", value: delivered ? (cpu * 1000) / delivered : 0 });
  } finally {
    for (const c of clients) c.close();
  }
}
