import { CFG, DBS, ONLY, QUICK, machine, wanted } from "./lib/config";
import { cleanupTmp } from "./lib/databases";
import { stopRealGateway } from "./lib/gateway";
import { notes, rows } from "./lib/results";
import { writeReport } from "./report";
import { board } from "./scenarios/board";
import { fanout } from "./scenarios/fanout";
import { growth } from "./scenarios/growth";
import { heartbeat } from "./scenarios/heartbeat";
import { scaleout } from "./scenarios/scaleout";
import { startup } from "./scenarios/startup";
import { writePath } from "./scenarios/write-path";

// `npm run bench [-- --quick] [--only=write,board,fanout,heartbeat,startup,growth,scaleout] [--db=postgres]`
// Runs every scenario against the built bundle on loopback, on both
// databases, and writes bench/results/latest.json and docs/PERFORMANCE.md.

const SCENARIOS: Array<[string, (kind: "pglite" | "postgres") => Promise<void>]> = [
  ["startup", startup],
  ["write", writePath],
  ["board", board],
  ["fanout", fanout],
  ["heartbeat", heartbeat],
  ["growth", growth],
  ["scaleout", scaleout],
];
/** Scenarios that need more than one instance of the app on one database: PostgreSQL only. */
const POSTGRES_ONLY = new Set(["scaleout"]);

const facts = machine();
const began = performance.now();
process.stdout.write(`bench: ${QUICK ? "quick" : "full"} run, ${facts.cores} cores, Node ${facts.node}, repeats ${CFG.repeats}\n`);
try {
  for (const [name, run] of SCENARIOS) {
    if (!wanted(name)) continue;
    for (const kind of DBS) {
      if (POSTGRES_ONLY.has(name) && kind !== "postgres") continue;
      const t = performance.now();
      process.stdout.write(`${name} on ${kind}\n`);
      try {
        await run(kind);
      } catch (error) {
        const message = `${name} on ${kind} failed: ${(error as Error).stack ?? String(error)}`;
        notes.push(message);
        process.stderr.write(`${message}\n`);
      }
      process.stdout.write(`  (${Math.round((performance.now() - t) / 1000)} s)\n`);
    }
  }
} finally {
  await stopRealGateway();
  cleanupTmp();
}
const seconds = Math.round((performance.now() - began) / 1000);
writeReport(
  { machine: { ...facts, load_avg_at_end: (await import("node:os")).loadavg().map((n) => Math.round(n * 100) / 100), duration_s: seconds }, rows, notes },
  ONLY !== null || DBS.length < 2,
);
process.stdout.write(`bench: done in ${seconds} s\n`);
