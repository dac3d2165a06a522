import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import autocannon, { type Options } from "autocannon";
import { ROOT } from "./config";

// Closed-loop load (autocannon) and the bare-limit reference server.

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  errors: number;
}

export async function load(options: Options): Promise<LoadResult> {
  const r = await autocannon({ timeout: 10, ...options });
  const total = r["2xx"] + r.non2xx;
  return {
    rps: total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    total,
    errors: r.non2xx + r.errors + r.timeouts,
  };
}

export interface Bare {
  url: string;
  stop(): Promise<void>;
}

export async function startBare(db: "pglite" | "postgres", databaseUrl?: string, dataDir?: string): Promise<Bare> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "bench/bare-server.ts")], {
    env: { PATH: process.env.PATH, BARE_DB: db, BARE_URL: databaseUrl ?? "", BARE_DATA_DIR: dataDir ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await done;
    },
  };
}
