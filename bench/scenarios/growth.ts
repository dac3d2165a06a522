import { SECRETS } from "#tests/support/secrets";
import { CFG } from "../lib/config";
import { type Kind, prepare } from "../lib/databases";
import { cookieHeader, get } from "../lib/http";
import { record } from "../lib/results";
import { type Base, seedBase, seedEvents, seedTasks } from "../lib/seed";
import { openSse } from "../lib/sse";
import { median } from "../lib/stats";
import { runHeartbeat } from "./heartbeat";

// Scenario 6: how cost grows with the data — board document time, heartbeat
// time and event replay (a client resuming 500 events back) with 1k, 5k, 20k
// and 100k tasks and as many events. One workspace, grown step by step.

const S = "6. growth curve";
export const REPLAY_GAP = 500;

export async function growth(kind: Kind): Promise<void> {
  const fx = await prepare(kind, "growth", async (db) => seedBase(db));
  let have = 0;
  try {
    for (const size of CFG.growth) {
      const add = size - have;
      await fx.reseed(async (db) => {
        await seedTasks(db, fx.seeded, add, have);
        await seedEvents(db, fx.seeded, add);
      });
      have = size;
      await measure(fx.app.url, fx.seeded, cookieHeader(fx.client.cookies), kind, size);
    }
  } finally {
    await fx.close();
  }
}

async function measure(url: string, base: Base, cookie: string, kind: Kind, size: number): Promise<void> {
  const board = `${url}/w/${base.slug}`;
  for (let i = 0; i < 3; i++) await get(board, { cookie });
  const boardMs: number[] = [];
  const heartbeatMs: number[] = [];
  const replayMs: number[] = [];
  for (let r = 0; r < CFG.repeats; r++) {
    const times = [];
    for (let i = 0; i < 10; i++) times.push((await get(board, { cookie })).ms);
    boardMs.push(median(times));
    const beats = [];
    for (let i = 0; i < 5; i++) beats.push((await runHeartbeat(url)).receipt.duration_ms);
    heartbeatMs.push(median(beats));
    const replays = [];
    for (let i = 0; i < 5; i++) {
      const probe = openSse(`${url}/api/events/stream?token=${encodeURIComponent(SECRETS.MC_API_TOKEN)}`);
      const last = await probe.ready;
      probe.close();
      const started = performance.now();
      const client = openSse(`${url}/api/events/stream?token=${encodeURIComponent(SECRETS.MC_API_TOKEN)}&last_event_id=${Math.max(0, last - REPLAY_GAP)}`);
      await client.ready;
      replays.push(performance.now() - started);
      if (client.seen.size < Math.min(REPLAY_GAP, last)) throw new Error(`replay delivered ${client.seen.size} events`);
      client.close();
    }
    replayMs.push(median(replays));
  }
  const label = `${size.toLocaleString("en")} rows`;
  record({ scenario: S, db: kind, metric: `${label}: board document time p50`, unit: "ms", value: boardMs });
  record({ scenario: S, db: kind, metric: `${label}: heartbeat duration_ms`, unit: "ms", value: heartbeatMs });
  record({ scenario: S, db: kind, metric: `${label}: replay of the last ${REPLAY_GAP} events`, unit: "ms", value: replayMs });
}
