import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

// PGlite has no lock of its own: two processes on one data dir corrupt it.
// The lock file names the holder: its pid, and (where /proc exists) the boot
// it ran in and its start time, because after a reboot or a long uptime the
// pid may belong to some other live process. A lock is stale when its pid is
// dead, or the machine has booted since, or the pid's process started at
// another time; a stale lock is taken over.

export class DataDirLockedError extends Error {}

// Lock files this process holds. A file naming our own pid that is not in
// here was left by an earlier process that had the same pid (containers
// restart as pid 1), so it is stale.
const held = new Set<string>();

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

interface Holder {
  pid: number;
  started_at: string;
  /** /proc/sys/kernel/random/boot_id when the lock was taken; absent in older lock files. */
  boot_id?: string;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent in older lock files. */
  start_ticks?: number;
}

/** Clock ticks per second in /proc/<pid>/stat: the kernel's USER_HZ, 100 on every mainstream architecture. */
const USER_HZ = 100;
/** Slack between a process's start and the lock it wrote, for the wall-clock comparison of older lock files. */
const OLD_FORMAT_SLACK_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOr<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

function bootId(): string | null {
  return readOr(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()) || null;
}

/** When the process started, in clock ticks after boot; null without /proc or once it is gone. */
function startTicks(pid: number): number | null {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, "utf8"));
  if (!stat) return null;
  // The command name (field 2) is in parentheses and may itself hold spaces
  // or parentheses: count fields from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[22 - 3]);
  return Number.isSafeInteger(ticks) ? ticks : null;
}

/** The machine's boot time in epoch milliseconds, from /proc/stat. */
function bootTimeMs(): number | null {
  const btime = readOr(() => /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
  return btime ? Number(btime) * 1000 : null;
}

/** Whether the process the lock file names is gone, even if its pid now belongs to another process. */
function isStale(holder: Holder): boolean {
  if (!isAlive(holder.pid)) return true;
  const boot = bootId();
  if (holder.boot_id && boot && holder.boot_id !== boot) return true;
  const ticks = startTicks(holder.pid);
  // Without /proc the pid is all there is to go by: alive means held.
  if (ticks === null) return false;
  if (holder.start_ticks !== undefined) return holder.start_ticks !== ticks;
  // An older lock file has only the time it was written: a process that
  // started after that cannot have written it.
  const lockedAt = Date.parse(holder.started_at);
  const bootMs = bootTimeMs();
  if (Number.isNaN(lockedAt) || bootMs === null) return false;
  return bootMs + (ticks * 1000) / USER_HZ > lockedAt + OLD_FORMAT_SLACK_MS;
}

function thisHolder(): Holder {
  const holder: Holder = { pid: process.pid, started_at: new Date().toISOString() };
  const boot = bootId();
  const ticks = startTicks(process.pid);
  if (boot) holder.boot_id = boot;
  if (ticks !== null) holder.start_ticks = ticks;
  return holder;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(dataDir, "mission-control.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify(thisHolder()));
      closeSync(fd);
      held.add(file);
      return {
        file,
        release() {
          if (!held.delete(file)) return;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(file);
      const ours = holder?.pid === process.pid;
      if (held.has(file) || (holder && !ours && !isStale(holder))) {
        throw new DataDirLockedError(
          `Another Mission Control process (pid ${holder?.pid ?? process.pid}, started ${holder?.started_at ?? "?"}) is using the embedded database in ${dataDir}. ` +
            "Stop it first, or point DATABASE_URL at PostgreSQL to run several instances.",
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not take the lock file ${file}.`);
}

function readHolder(file: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (typeof parsed.pid !== "number") return null;
    const holder: Holder = { pid: parsed.pid, started_at: String(parsed.started_at ?? "?") };
    if (typeof parsed.boot_id === "string") holder.boot_id = parsed.boot_id;
    if (typeof parsed.start_ticks === "number") holder.start_ticks = parsed.start_ticks;
    return holder;
  } catch {
    return null;
  }
}
