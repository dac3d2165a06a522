import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { freePort } from "#tests/support/ports";
import { SECRETS } from "#tests/support/secrets";
import { ROOT } from "./config";
import { sleep } from "./stats";

// Starts the built bundle as production would run it, on a loopback port,
// logging to a file (so reading its output costs the bench nothing), and
// times the cold start as spawn → first 200 from /api/health.

export interface AppServer {
  url: string;
  port: number;
  pid: number;
  coldStartMs: number;
  logFile: string;
  setupUrl(): string | null;
  rssBytes(): number;
  /** CPU time the server process has used so far (user + system), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startApp(opts: {
  dataDir: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  logDir: string;
  port?: number;
}): Promise<AppServer> {
  const port = opts.port ?? (await freePort());
  const logFile = path.join(opts.logDir, `server-${port}.log`);
  const fd = openSync(logFile, "w");
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "build/server/index.js")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: opts.dataDir,
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      ...SECRETS,
      LOG_LEVEL: "info",
      // The bench measures capacity, not the abuse limits.
      RATE_LIMIT_WRITES_PER_MIN: "1000000",
      RATE_LIMIT_HEARTBEATS_PER_MIN: "100000",
      RATE_LIMIT_AUTH_FAILURES_PER_MIN: "100000",
      // Fan-out scenarios open thousands of streams from this one loopback client.
      EVENT_STREAMS_PER_CLIENT: "1000000",
      ...(process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } : {}),
      ...opts.env,
    },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited !== null) throw new Error(`server exited with ${exited}:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    if (performance.now() - started > 60_000) throw new Error("server did not start in 60 s");
    try {
      const res = await fetch(`${url}/api/health`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  const coldStartMs = performance.now() - started;
  return {
    url,
    port,
    pid: child.pid!,
    coldStartMs,
    logFile,
    setupUrl() {
      for (const line of readFileSync(logFile, "utf8").split("\n")) {
        if (!line.includes('"setup.link"')) continue;
        // The logger puts an entry's fields under `data` (older builds wrote them at the top level).
        const entry = JSON.parse(line) as { url?: string; data?: { url?: string } };
        const link = new URL(String(entry.data?.url ?? entry.url));
        return `${url}${link.pathname}${link.search}`;
      }
      return null;
    },
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
      return Number(kb) * 1024;
    },
    cpuMs() {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async stop() {
      if (exited !== null) return;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await done;
      clearTimeout(timer);
    },
  };
}
