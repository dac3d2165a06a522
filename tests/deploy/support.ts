import { execFile, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";

// Helpers for the deploy suite: a throwaway copy of this repository (the
// working tree as it is, committed into a fresh git repository), a local
// deploy target, and runners for scripts/deploy.sh and scripts/rollback.sh.

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const SERVICE_SCRIPT = path.join(REPO_ROOT, "tests/deploy/fixtures/service.sh");
export const PLACEHOLDER = "MC_DEPLOY_VERSION_PLACEHOLDER";
export const TAG_PATTERN = /^deploy-\d{4}-\d{2}-\d{2}-\d{6}$/;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never through a shell), capturing its output. */
export function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function must(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${result.code})\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The working tree (tracked and untracked, minus ignored files) committed into a new repository. */
export async function makeClone(dir: string): Promise<string> {
  const clone = path.join(dir, "repo");
  const listed = await must("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO_ROOT });
  for (const file of new Set(listed.split("\0").filter(Boolean))) {
    const from = path.join(REPO_ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    if (file === "node_modules") continue; // a linked node_modules (not ignored as a symlink) is linked below
    const to = path.join(clone, file);
    mkdirSync(path.dirname(to), { recursive: true });
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
  const git = (...args: string[]) => must("git", args, { cwd: clone });
  await git("init", "-q", "-b", "main");
  await git("config", "user.name", "Deploy Test");
  await git("config", "user.email", "deploy-test@localhost");
  await git("add", "-A");
  await git("commit", "-q", "-m", "throwaway copy for the deploy tests");
  // Builds need the dependencies (linked after the commit: .gitignore's
  // `node_modules/` does not match a symlink).
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"));
  return clone;
}

export { freePort } from "../support/ports";

export interface Target {
  dir: string;
  envFile: string;
  dataDir: string;
  port: number;
  healthUrl: string;
}

/** A deploy target directory with its environment file, as an operator would prepare it. */
export function makeTarget(dir: string, port: number, extraEnv: Record<string, string> = {}): Target {
  const target = path.join(dir, "target");
  const dataDir = path.join(target, "shared", "data");
  mkdirSync(dataDir, { recursive: true });
  const envFile = path.join(target, "shared", "mission-control.env");
  const secret = () => randomBytes(24).toString("hex");
  writeFileSync(
    envFile,
    [
      "# written by the deploy tests",
      "HOST=127.0.0.1",
      `PORT=${port}`,
      `DATA_DIR=${dataDir}`,
      `MC_API_TOKEN=${secret()}`,
      `WEBHOOK_SECRET=${secret()}`,
      `SESSION_SECRET=${secret()}`,
      "LOG_LEVEL=info",
      ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  return { dir: target, envFile, dataDir, port, healthUrl: `http://127.0.0.1:${port}/api/health` };
}

/** Environment for the deploy scripts: a clean one, with Node 24 first on PATH and the local restart script. */
export function deployEnv(target: Target, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const bin = path.join(REPO_ROOT, "node_modules", ".bin");
  return {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: process.env.HOME ?? os.homedir(),
    LANG: "C.UTF-8",
    TMPDIR: os.tmpdir(),
    DEPLOY_HOST: "",
    DEPLOY_PATH: target.dir,
    DEPLOY_NODE: process.execPath,
    DEPLOY_RESTART_CMD: `${SERVICE_SCRIPT} restart`,
    DEPLOY_STOP_CMD: `${SERVICE_SCRIPT} stop`,
    DEPLOY_HEALTH_URL: target.healthUrl,
    DEPLOY_HEALTH_TIMEOUT: "30",
    ...extra,
  };
}

export interface Health {
  status: string;
  version: string;
}

export async function health(target: Target): Promise<Health> {
  const response = await fetch(target.healthUrl);
  if (!response.ok) throw new Error(`health answered ${response.status}`);
  return (await response.json()) as Health;
}

export function currentRelease(target: Target): string {
  return path.basename(readlinkSync(path.join(target.dir, "current")));
}

export function servicePid(target: Target): number {
  return Number(readFileSync(path.join(target.dir, "shared", "service.pid"), "utf8").trim());
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Whether a command exists; as root on Debian, installs its package first when missing. */
export function ensureCommand(command: string, debianPackage: string): { ok: true } | { ok: false; reason: string } {
  const has = () => spawnSync("sh", ["-c", 'command -v "$1"', "sh", command]).status === 0;
  if (has()) return { ok: true };
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    return { ok: false, reason: `${command} is not installed and this is not root on Debian (apt-get install ${debianPackage})` };
  }
  const install = spawnSync("sh", ["-c", 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"', "sh", debianPackage], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (install.status === 0 && has()) return { ok: true };
  return { ok: false, reason: `apt-get install ${debianPackage} failed: ${install.stderr.slice(-500)}` };
}

/** Puts a build (the suite's prebuilt bundle) in the clone's build/. */
export function useBuild(clone: string, from: string): void {
  rmSync(path.join(clone, "build"), { recursive: true, force: true });
  cpSync(from, path.join(clone, "build"), { recursive: true });
}

/**
 * Adds a versioned migration to the clone, in its source tree (what a release
 * uploads) and in its build (what the bundle applies), and commits it: the
 * next deploy is a release with one more migration.
 */
export async function addMigration(clone: string, name: string, sql: string): Promise<void> {
  for (const dir of ["supabase/migrations", "build/server/supabase/migrations"]) writeFileSync(path.join(clone, dir, name), sql);
  await must("git", ["add", "-A"], { cwd: clone });
  await must("git", ["commit", "-q", "-m", `migration ${name}`], { cwd: clone });
}

/** Makes the clone's server exit at start (migrations still run): a release that never becomes healthy. */
export function breakServer(clone: string): void {
  const entry = path.join(clone, "build/server/index.js");
  const exitUnlessDbCommand =
    'if (!["migrate", "backup", "backups", "restore"].includes(process.argv[2])) { console.error("this release cannot serve"); process.exit(3); }\n';
  writeFileSync(entry, exitUnlessDbCommand + readFileSync(entry, "utf8"));
}

/** Starts a child and resolves once its stdout contains `marker` (for two deploys at once). */
export function spawnUntil(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, marker: string) {
  const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const done = new Promise<RunResult>((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr })));
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (stdout.includes(marker)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void done.then(() => {
      clearInterval(timer);
      if (stdout.includes(marker)) resolve();
      else reject(new Error(`exited before "${marker}":\n${stdout}\n${stderr}`));
    });
  });
  return { reached, done };
}
