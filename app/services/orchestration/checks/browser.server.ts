import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Logger } from "../../observability/logger.server";
import { HEADLESS_SERVER_FLAGS } from "./chromium-flags";
import { inside } from "./file-check.server";

// How the testing stage starts Chromium on untrusted pages, as safely as the
// host allows:
//   - a server running as root starts the browser as an unprivileged account
//     (CHROMIUM_USER, default "nobody", looked up at run time), which cannot
//     read the data directory (mode 0700) or anything else that is not
//     world-readable;
//   - Chromium's own sandbox (user namespaces + seccomp) is on whenever this
//     host lets the browser start with it, probed once per process; otherwise
//     --no-sandbox, logged as a warning;
//   - the browser gets a private work folder (its profile, its temp files and
//     a copy of the task's folder to render from) and an environment without
//     the server's variables, so no secret passed in the environment reaches it.

export interface BrowserUser {
  name: string;
  uid: number;
  gid: number;
}

export interface BrowserLaunch {
  path: string;
  /** The account the browser runs as; null: the server's own (which is not root). */
  user: BrowserUser | null;
  /** Chromium's own sandbox is on. */
  sandbox: boolean;
}

export type BrowserRefusal = { refused: string };

/**
 * Every check browser's flags. (Chromium's crash handler starts in a session
 * of its own, out of reach of the process-group kill; it exits by itself once
 * the browser is gone. --disable-crashpad-for-testing would avoid it, but then
 * the network service crashes over the DevTools pipe's descriptors.)
 */
export const CHECK_BROWSER_FLAGS = ["--headless", ...HEADLESS_SERVER_FLAGS];

const PROBE_TIMEOUT_MS = 20_000;
const PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A page renders from a copy of its task's folder; bigger folders are refused rather than copied. */
export const STAGE_MAX_BYTES = 64 * 1024 * 1024;
export const STAGE_MAX_ENTRIES = 2000;
const STAGE_MAX_DEPTH = 32;

export class StageTooLarge extends Error {}

/** An account from /etc/passwd by name, or null (never root). */
async function lookupUser(name: string): Promise<BrowserUser | null> {
  let passwd: string;
  try {
    passwd = await readFile("/etc/passwd", "utf8");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user !== name) continue;
    const u = Number(uid);
    const g = Number(gid);
    if (!Number.isInteger(u) || !Number.isInteger(g) || u === 0 || g === 0) return null;
    return { name, uid: u, gid: g };
  }
  return null;
}

/** A fresh folder under the temp dir only the browser's account (and root) can enter. */
export async function privateDir(user: BrowserUser | null): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mc-check-"));
  await chmod(dir, 0o700);
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

/** The browser's whole environment: nothing inherited from the server. */
function browserEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    PATH: PATH_ENV,
    HOME: workDir,
    TMPDIR: workDir,
    XDG_CONFIG_HOME: path.join(workDir, ".config"),
    XDG_CACHE_HOME: path.join(workDir, ".cache"),
    LANG: "C.UTF-8",
  };
}

/** Starts the browser in its own process group (killGroup reaches every helper), as the launch's account. */
export function spawnBrowser(launch: BrowserLaunch, args: string[], workDir: string, stdio: StdioOptions): ChildProcess {
  return spawn(launch.path, [...(launch.sandbox ? [] : ["--no-sandbox"]), ...args], {
    stdio,
    detached: true,
    env: browserEnv(workDir),
    cwd: workDir,
    // libuv also drops the server's supplementary groups when it switches account.
    ...(launch.user ? { uid: launch.user.uid, gid: launch.user.gid } : {}),
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the group this spawn created (detached), i.e. only our
    // browser and its renderer/zygote/utility helpers.
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Group already gone.
  }
}

/**
 * Waits up to `graceMs` for the browser to exit by itself (after Browser.close),
 * then asks with SIGTERM (Chromium then reaps its own helpers), then kills the
 * whole group, even if the main process already exited: helpers (zygote,
 * utility processes) can outlive it. At most graceMs + 3 s.
 */
export async function stopBrowser(child: ChildProcess, graceMs: number): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null;
  const waitExit = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!running()) return resolve();
      const timer = setTimeout(resolve, ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  if (graceMs > 0) await waitExit(graceMs);
  if (running()) {
    child.kill("SIGTERM");
    await waitExit(1000);
  }
  killGroup(child);
  await waitExit(2000);
}

/** Whether the browser starts, as `user`, with Chromium's sandbox on: it loads a blank page and exits 0. */
async function startsWithSandbox(chromiumPath: string, user: BrowserUser | null): Promise<boolean> {
  const dir = await privateDir(user);
  const launch: BrowserLaunch = { path: chromiumPath, user, sandbox: true };
  const child = spawnBrowser(launch, [...CHECK_BROWSER_FLAGS, `--user-data-dir=${path.join(dir, "profile")}`, "--dump-dom", "about:blank"], dir, "ignore");
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      child.once("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
  } finally {
    await stopBrowser(child, 0);
    await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }
}

const launches = new Map<string, Promise<BrowserLaunch | BrowserRefusal>>();

/**
 * How this process starts `chromiumPath`, decided once (the probe starts the
 * browser, about a second) and logged. A root server with no unprivileged
 * account to switch to is refused: rendering untrusted pages as root is
 * exactly what this avoids.
 */
export function browserLaunch(chromiumPath: string, userName: string, log?: Logger): Promise<BrowserLaunch | BrowserRefusal> {
  const key = `${chromiumPath}\0${userName}`;
  let pending = launches.get(key);
  if (!pending) {
    pending = decideLaunch(chromiumPath, userName, log);
    launches.set(key, pending);
  }
  return pending;
}

async function decideLaunch(chromiumPath: string, userName: string, log?: Logger): Promise<BrowserLaunch | BrowserRefusal> {
  let user: BrowserUser | null = null;
  if (process.getuid?.() === 0) {
    user = await lookupUser(userName);
    if (!user) {
      const refused = `the server runs as root and has no unprivileged account "${userName}" (CHROMIUM_USER) to run the browser as`;
      log?.error({ event: "checks.browser_refused", user: userName }, `HTML deliverables are not rendered: ${refused}`);
      return { refused };
    }
  }
  const sandbox = await startsWithSandbox(chromiumPath, user);
  const fields = { event: "checks.browser", sandbox, user: user?.name ?? null };
  if (sandbox) log?.info(fields, "HTML deliverables render with Chromium's sandbox on");
  else log?.warn(fields, "Chromium cannot start with its sandbox on this host (no unprivileged user namespaces?): HTML deliverables render with --no-sandbox");
  return { path: chromiumPath, user, sandbox };
}

/**
 * Copies the task's folder (its real path) to `dest`, owned by the browser's
 * account: regular files, folders, and links that lead to a regular file
 * inside the folder (others are left out, as the file check refuses them).
 * Throws StageTooLarge past STAGE_MAX_BYTES or STAGE_MAX_ENTRIES.
 */
export async function stageFolder(realBase: string, dest: string, user: BrowserUser | null): Promise<void> {
  let bytes = 0;
  let entries = 0;
  const own = async (p: string) => {
    if (user) await chown(p, user.uid, user.gid);
  };
  const walk = async (from: string, to: string, depth: number): Promise<void> => {
    await mkdir(to, { mode: 0o700 });
    await own(to);
    if (depth > STAGE_MAX_DEPTH) return;
    for (const entry of await readdir(from, { withFileTypes: true })) {
      if (++entries > STAGE_MAX_ENTRIES) throw new StageTooLarge(`more than ${STAGE_MAX_ENTRIES} files`);
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) {
        await walk(source, target, depth + 1);
        continue;
      }
      let file = source;
      if (entry.isSymbolicLink()) {
        try {
          file = await realpath(source);
        } catch {
          continue;
        }
        if (!inside(realBase, file) || !(await stat(file)).isFile()) continue;
      } else if (!entry.isFile()) {
        continue;
      }
      bytes += (await lstat(file)).size;
      if (bytes > STAGE_MAX_BYTES) throw new StageTooLarge(`more than ${STAGE_MAX_BYTES / 1024 / 1024} MiB`);
      await copyFile(file, target);
      await chmod(target, 0o600);
      await own(target);
    }
  };
  await walk(realBase, dest, 0);
}
