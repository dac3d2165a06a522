import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

// PGlite has no lock of its own: two processes on one data dir corrupt it.
// The lock file names the holder; a stale one (dead pid) is taken over.

export class DataDirLockedError extends Error {}

// Lock files this process holds. A file naming our own pid that is not in
// here was left by an earlier process that had the same pid (containers
// restart as pid 1), so it is stale.
const held = new Set<string>();

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(dataDir, "mission-control.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }));
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
      if (held.has(file) || (holder && !ours && isAlive(holder.pid))) {
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

function readHolder(file: string): { pid: number; started_at: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { pid?: unknown; started_at?: unknown };
    return typeof parsed.pid === "number" ? { pid: parsed.pid, started_at: String(parsed.started_at ?? "?") } : null;
  } catch {
    return null;
  }
}
