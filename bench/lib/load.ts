import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
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
  /** 2xx responses. */
  ok: number;
  /** 3xx responses (a form post answers with a redirect). */
  redirects: number;
  /** 4xx and 5xx responses. */
  failed: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Response counts per status code. */
  codes: Record<string, number>;
  duration: number;
  /** Requests sent (more than answered when a timed run ends with requests in flight). */
  sent: number;
}

/**
 * How long a write run lasts: a count of requests, not a duration, so that no
 * request is cut off in flight at the end (its row would be written with no
 * answer counted). `seconds` at the rate last measured, at least 10 a connection.
 */
export type Size = { duration: number } | { amount: number };
export function sized(rps: number, seconds: number, connections: number): Size {
  return { amount: Math.max(connections * 10, Math.round(rps * seconds)) };
}

export async function load(options: Options): Promise<LoadResult> {
  // The run's time is taken here, from the start to the last response: autocannon
  // reports a count-limited run's duration in whole ticks of its one-second sampler,
  // so 2,000 requests answered in 0.3 s would read as 1 s.
  const started = performance.now();
  let lastResponse = started;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ timeout: 10, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on("response", () => {
      lastResponse = performance.now();
    });
  });
  const seconds = (lastResponse - started) / 1000;
  const total = r["2xx"] + r.non2xx;
  const codes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) codes[code] = Number(count);
  return {
    rps: seconds > 0 ? total / seconds : 0,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    total,
    ok: r["2xx"],
    redirects: r["3xx"],
    failed: r["4xx"] + r["5xx"],
    errors: r.errors + r.timeouts,
    codes,
    duration: seconds,
    sent: r.requests.sent,
  };
}

/** Several loads at once (one instance each); throughput is their sum over the longest run. */
export async function loadTogether(options: Options[]): Promise<LoadResult & { parts: LoadResult[] }> {
  const parts = await Promise.all(options.map((o) => load(o)));
  const duration = Math.max(...parts.map((p) => p.duration));
  const sum = (f: (p: LoadResult) => number) => parts.reduce((s, p) => s + f(p), 0);
  const codes: Record<string, number> = {};
  for (const p of parts) for (const [c, n] of Object.entries(p.codes)) codes[c] = (codes[c] ?? 0) + n;
  return {
    rps: sum((p) => p.total) / duration,
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
    max: Math.max(...parts.map((p) => p.max)),
    total: sum((p) => p.total),
    ok: sum((p) => p.ok),
    redirects: sum((p) => p.redirects),
    failed: sum((p) => p.failed),
    errors: sum((p) => p.errors),
    codes,
    duration,
    sent: sum((p) => p.sent),
    parts,
  };
}

export interface Bare {
  url: string;
  pid: number;
  rssBytes(): number;
  cpuMs(): number;
  stop(): Promise<void>;
}

/** The bare reference server (bench/bare-server.ts): POST / (1 INSERT), GET /events (SSE), POST /fanout (1 INSERT, one frame to every stream). */
export async function startBare(db: "pglite" | "postgres", databaseUrl?: string, dataDir?: string): Promise<Bare> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "bench/bare-server.ts")], {
    env: {
      PATH: process.env.PATH,
      BARE_DB: db,
      BARE_URL: databaseUrl ?? "",
      BARE_DATA_DIR: dataDir ?? "",
      ...(process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } : {}),
    },
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
    pid: child.pid!,
    rssBytes: () => rssOf(child.pid!),
    cpuMs: () => cpuOf(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await done;
    },
  };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux), as ms. */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
