import path from "node:path";
import { SECRETS } from "#tests/support/secrets";
import { CFG } from "../lib/config";
import { type Fixture, type Kind, prepare } from "../lib/databases";
import { type Bare, startBare } from "../lib/load";
import { record } from "../lib/results";
import { type Base, seedBase, seedRunning } from "../lib/seed";
import { type SseClient, openSse } from "../lib/sse";
import { percentile, sleep } from "../lib/stats";

// Scenario 3: live fan-out. N clients hold /api/events/stream open; one
// change, made through the app's HTTP API (an agent activity POST), must reach
// all of them quickly, and a burst of 100 changes/s must reach every client
// with nothing lost. Latency runs from just before the write request is sent
// to each client having the event, so it includes the write's own round trip.
// Next to it, the bare fan-out limit (bench/bare-server.ts): N streams on a
// node:http server whose POST does one INSERT and writes one frame to every
// stream. Memory per stream is read on a fresh server's first round of N.

const S = "3. live fan-out";

type Fx = Fixture<{ base: Base; task: string }>;

export async function fanout(kind: Kind): Promise<void> {
  const fx: Fx = await prepare(kind, "fanout", async (db) => {
    const base = await seedBase(db);
    const [task] = await seedRunning(db, base, 1);
    return { base, task: task! };
  });
  try {
    for (const n of CFG.sseClients) {
      const app = await single(fx, kind, n);
      const bare = await singleBare(fx, kind, n);
      record({ scenario: S, db: kind, metric: `${label(n)}: one change, app p99 / bare p99`, unit: "x", value: app.map((v, i) => v / bare[i]!) });
    }
    await burst(fx, kind, CFG.sseClients[0]!);
  } finally {
    await fx.close();
  }
}

const label = (n: number) => `${n.toLocaleString("en")} clients`;

/** One agent activity through the app's API (the request is sent when this is called). */
export async function writeActivity(url: string, task: string, token: string, n: number): Promise<void> {
  const res = await fetch(`${url}/api/agent/tasks/${task}/activities`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ type: "progress", message: `tick ${n}` }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`activity answered ${res.status}`);
}

export function streamUrl(appUrl: string): string {
  return `${appUrl}/api/events/stream?token=${encodeURIComponent(SECRETS.MC_API_TOKEN)}`;
}

export async function connect(url: string, n: number): Promise<SseClient[]> {
  const clients: SseClient[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => openSse(url));
    clients.push(...batch);
    await Promise.all(batch.map((c) => c.ready));
  }
  return clients;
}

export async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!check() && performance.now() < until) await sleep(10);
}

/** Waits until a process has used under 5 ms of CPU in half a second (at most 10 s). */
export async function idle(cpuMs: () => number): Promise<void> {
  const until = performance.now() + 10_000;
  let last = cpuMs();
  while (performance.now() < until) {
    await sleep(500);
    const now = cpuMs();
    if (now - last < 5) return;
    last = now;
  }
}

/** One write, then each client's delay from just before it to the last new event it got; p99 and misses. */
export async function oneChange(groups: SseClient[][], write: () => Promise<void>): Promise<{ p99: number[]; missed: number[] }> {
  const all = groups.flat();
  const counts = new Map(all.map((c) => [c, c.seen.size]));
  const t0 = performance.now();
  await write();
  await waitFor(() => all.every((c) => c.seen.size > counts.get(c)!), 10_000);
  const p99: number[] = [];
  const missed: number[] = [];
  for (const group of groups) {
    const latencies: number[] = [];
    let miss = 0;
    for (const c of group) {
      const before = counts.get(c)!;
      if (c.seen.size <= before) miss++;
      else latencies.push(Math.max(...[...c.seen.values()].slice(before)) - t0);
    }
    p99.push(percentile(latencies, 99));
    missed.push(miss);
  }
  return { p99, missed };
}

/** Memory on a fresh server's first round of N streams, then one change per repeat through the API. */
async function single(fx: Fx, kind: Kind, n: number): Promise<number[]> {
  const app = await fx.restart();
  await idle(() => app.cpuMs());
  const rssBefore = app.rssBytes();
  const clients = await connect(streamUrl(app.url), n);
  await sleep(1000);
  const rssAfter = app.rssBytes();
  record({
    scenario: S,
    db: kind,
    metric: `${label(n)}: server memory per open stream (fresh server, first round)`,
    unit: "KB",
    value: (rssAfter - rssBefore) / n / 1024,
    target: { op: "<=", value: 30 },
  });
  const { token } = fx.seeded.base;
  try {
    // One change first: the write path's own connection and code warm up.
    await oneChange([clients], () => writeActivity(app.url, fx.seeded.task, token, -1));
    await sleep(300);
    const p99s: number[] = [];
    const missed: number[] = [];
    for (let r = 0; r < CFG.repeats; r++) {
      const one = await oneChange([clients], () => writeActivity(app.url, fx.seeded.task, token, r));
      p99s.push(one.p99[0]!);
      missed.push(one.missed[0]!);
      await sleep(300);
    }
    record({
      scenario: S,
      db: kind,
      metric: `${label(n)}: one change from an HTTP write, p99`,
      unit: "ms",
      value: p99s,
      target: { op: "<=", value: n <= 1000 ? 40 : 200 },
    });
    record({ scenario: S, db: kind, metric: `${label(n)}: one change, clients missed`, unit: "count", value: missed, target: { op: "<=", value: 0 } });
    return p99s;
  } finally {
    for (const c of clients) c.close();
  }
}

/** The same on a fresh bare server: memory per stream, then one POST /fanout per repeat. */
async function singleBare(fx: Fx, kind: Kind, n: number): Promise<number[]> {
  const bare: Bare = await startBare(kind, fx.db.databaseUrl, path.join(fx.db.dataDir, `bare-${n}`));
  try {
    const post = async (r: number) => {
      const res = await fetch(`${bare.url}/fanout`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task_id: fx.seeded.task, type: "progress", message: `tick ${r}` }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`bare fan-out answered ${res.status}`);
    };
    await idle(() => bare.cpuMs());
    const rssBefore = bare.rssBytes();
    const clients = await connect(`${bare.url}/events`, n);
    await sleep(1000);
    const rssAfter = bare.rssBytes();
    record({
      scenario: S,
      db: kind,
      metric: `${label(n)}: bare server memory per open stream (first round)`,
      unit: "KB",
      value: (rssAfter - rssBefore) / n / 1024,
    });
    try {
      await oneChange([clients], () => post(-1));
      await sleep(300);
      const p99s: number[] = [];
      for (let r = 0; r < CFG.repeats; r++) {
        p99s.push((await oneChange([clients], () => post(r))).p99[0]!);
        await sleep(300);
      }
      record({ scenario: S, db: kind, metric: `${label(n)}: bare fan-out limit (node:http, 1 INSERT, 1 frame a stream), p99`, unit: "ms", value: p99s });
      return p99s;
    } finally {
      for (const c of clients) c.close();
    }
  } finally {
    await bare.stop();
  }
}

async function burst(fx: Fx, kind: Kind, n: number): Promise<void> {
  const name = `${label(n)}, ${CFG.burstRate} changes/s for ${CFG.burstSeconds} s`;
  await sleep(500);
  const clients = await connect(streamUrl(fx.app.url), n);
  const { token } = fx.seeded.base;
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
      writes.push(writeActivity(fx.app.url, fx.seeded.task, token, i));
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
    record({ scenario: S, db: kind, metric: `${name}: write rate achieved`, unit: "changes/s", value: achieved });
    record({ scenario: S, db: kind, metric: `${name}: distinct events delivered`, unit: "count", value: union.size, target: { op: ">=", value: total } });
    record({ scenario: S, db: kind, metric: `${name}: events lost (sum over clients)`, unit: "count", value: lost, target: { op: "<=", value: 0 } });
    const delivered = clients.reduce((sum, c) => sum + c.seen.size, 0);
    record({ scenario: S, db: kind, metric: `${name}: server CPU per delivered message`, unit: "µs", value: delivered ? (cpu * 1000) / delivered : 0 });
  } finally {
    for (const c of clients) c.close();
  }
}
