import os from "node:os";
import path from "node:path";

// What one bench run uses: quick (development) or full (the committed numbers).

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const only = process.argv.find((a) => a.startsWith("--only="));
/** `--only=write,board` runs just those scenarios. */
export const ONLY: string[] | null = only ? only.slice("--only=".length).split(",") : null;
const dbs = process.argv.find((a) => a.startsWith("--db="));
/** `--db=postgres` or `--db=pglite` runs one database only. */
export const DBS: Array<"pglite" | "postgres"> = dbs ? (dbs.slice("--db=".length).split(",") as Array<"pglite" | "postgres">) : ["pglite", "postgres"];

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const CFG = QUICK
  ? {
      repeats: 1,
      writeSeconds: 3,
      connections: 50,
      webhookConnections: 10,
      webhookPool: 12_000,
      webhookWarm: 1_000,
      boardSizes: [5_000, 20_000],
      boardSamples: 10,
      sseClients: [1_000],
      heartbeatRounds: 20,
      burstSeconds: 2,
      burstRate: 100,
      growth: [1_000, 5_000, 20_000],
      heartbeatTasks: 10_000,
      startRepeats: 1,
    }
  : {
      repeats: 3,
      writeSeconds: 15,
      connections: 50,
      webhookConnections: 10,
      webhookPool: 60_000,
      webhookWarm: 3_000,
      boardSizes: [5_000, 20_000],
      boardSamples: 30,
      sseClients: [1_000, 5_000],
      heartbeatRounds: 20,
      burstSeconds: 10,
      burstRate: 100,
      growth: [1_000, 5_000, 20_000, 100_000],
      heartbeatTasks: 10_000,
      startRepeats: 3,
    };

export function wanted(name: string): boolean {
  return ONLY === null || ONLY.includes(name);
}

export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? "unknown",
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    load_avg_at_start: os.loadavg().map((n) => Math.round(n * 100) / 100),
    quick: QUICK,
    date: new Date().toISOString(),
  };
}
