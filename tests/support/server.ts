import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LogLine } from "#app/services/observability/logger.server";

// Starts the built bundle (`node build/server/index.js`) as a real process on
// a random loopback port and reads its JSON log lines: the listening port,
// the one-time set-up link, and any error a test should fail on.

export interface RunningServer {
  url: string;
  setupUrl: string | null;
  dataDir: string;
  /** Every JSON line of stdout, in the roadmap's shape ({timestamp, level, event, data}). */
  logs: LogLine[];
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Log lines at level error or fatal. */
  errors(): LogLine[];
  /** Everything the process wrote so far, as written (to check nothing but JSON lines reached stdout). */
  output(): { stdout: string; stderr: string };
  /** What the process wrote to stderr (React Router prints unexpected errors there). */
  stderr(): string;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Directory containing build/ (defaults to the repository root). */
  root?: string;
  dataDir?: string;
  timeoutMs?: number;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const root = options.root ?? REPO_ROOT;
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "mc-data-"));
  const child = spawn(process.execPath, [path.join(root, "build/server/index.js")], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  let stderr = "";
  let stdout = "";
  let buffered = "";
  let setupUrl: string | null = null;

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time\n${stderr}`)), options.timeoutMs ?? 60_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.event === "setup.link") setupUrl = String(entry.data.url);
        if (entry.event === "server.listening") {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${String(entry.data.port)}`);
        }
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${stderr}\n${JSON.stringify(logs.slice(-5))}`));
    });
  });

  let url: string;
  try {
    url = await ready;
  } catch (error) {
    // A server that did not come up in time must not outlive the test that started it.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    }
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const base = new URL(url);
  return {
    url,
    // The link names the configured public URL; point it at the real port.
    get setupUrl() {
      if (!setupUrl) return null;
      const link = new URL(setupUrl);
      link.protocol = base.protocol;
      link.host = base.host;
      return link.toString();
    },
    dataDir,
    logs,
    process: child,
    errors: () => logs.filter((l) => l.level === "error" || l.level === "fatal"),
    output: () => ({ stdout, stderr }),
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill(signal);
      const code = await exited;
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
