import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LogLine } from "#app/services/observability/logger.server";
import { REPO_ROOT } from "#tests/support/server";

// `npm start` as a new user sees it: the whole start-up fits on one screen,
// stdout stays JSON lines, and a banner on stderr carries the set-up link.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-start-"));
let child: ChildProcess | null = null;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("prints a short banner with the set-up link once the server listens", { timeout: 120_000 }, async () => {
    let stdout = "";
    let stderr = "";
    const proc = spawn(process.execPath, [path.join(REPO_ROOT, "scripts/start.mjs")], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in time\n${stderr}`)), 110_000);
      proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        if (stderr.includes("Stop it with Ctrl+C.")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`start exited with ${code}\n${stderr}`));
      });
    });

    const entries = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
    const setup = entries.find((entry) => entry.event === "setup.link");
    const listening = entries.find((entry) => entry.event === "server.listening");
    expect(setup?.level).toBe("info");
    expect(listening).toBeDefined();
    expect(stderr).toContain(`Mission Control is running at http://127.0.0.1:${String(listening!.data.port)}`);
    expect(stderr).toContain("No administrator yet.");
    expect(stderr).toContain(`  ${String(setup!.data.url)}\n`);
    // One screen: a terminal of 24 rows holds every line written so far.
    const lines = stdout.split("\n").length + stderr.split("\n").length - 2;
    expect(lines).toBeLessThanOrEqual(24);
    expect(entries.filter((entry) => entry.level !== "info")).toEqual([]);
  });
});
