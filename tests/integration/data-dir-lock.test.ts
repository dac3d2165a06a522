import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, acquireDataDirLock } from "#app/db/data-dir-lock.server";
import { openPglite } from "#app/db/pglite.server";
import { REPO_ROOT, startServer } from "#tests/support/server";

// The embedded database's one-process-per-data-dir guard.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mc-lock-"));
  dirs.push(dir);
  return dir;
}
const children: ChildProcess[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const child of children.splice(0)) child.kill();
});

const lockFile = (dir: string) => path.join(dir, "mission-control.lock");
const readLock = (dir: string) => JSON.parse(readFileSync(lockFile(dir), "utf8")) as Record<string, unknown>;
const BOOT_ID = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot. */
function startTicks(pid: number): number {
  const match = /\) \S+(?: \S+){18} (\d+) /.exec(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return Number(match![1]);
}

/** A live process that is not a Mission Control server: its pid is what a stale lock may name after a reboot. */
function unrelatedProcess(): number {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  return child.pid!;
}

/** The lock file a holder writes: its pid, when it took the lock, its boot and start time. */
function writeHolder(dir: string, pid: number, fields: Record<string, unknown> = {}): void {
  const holder = { pid, started_at: "2026-01-01T00:00:00.000Z", boot_id: BOOT_ID, start_ticks: fields.start_ticks ?? startTicks(pid), ...fields };
  writeFileSync(lockFile(dir), JSON.stringify(holder));
}

/** A lock file as servers before boot ids wrote it: pid and time only. */
function writeOldHolder(dir: string, pid: number, startedAt: string): void {
  writeFileSync(lockFile(dir), JSON.stringify({ pid, started_at: startedAt }));
}

/** A pid no process has: above the kernel's pid_max. */
const DEAD_PID = 2 ** 22 + 12_345;

describe("acquireDataDirLock", () => {
  it("writes this process's pid, boot and start time, and removes the file on release, once", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir)).toEqual({ pid: process.pid, started_at: expect.any(String), boot_id: BOOT_ID, start_ticks: startTicks(process.pid) });
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
    expect(() => lock.release()).not.toThrow();
  });

  it("refuses a directory held by another live process, naming it", () => {
    const dir = tempDir();
    writeHolder(dir, process.ppid); // our parent: alive, and not us
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`pid ${process.ppid}, started 2026-01-01T00:00:00.000Z`));
    // The holder's file is left alone.
    expect(readLock(dir).pid).toBe(process.ppid);
  });

  it("takes over a stale lock left by a process that no longer exists", () => {
    const dir = tempDir();
    writeHolder(dir, DEAD_PID, { start_ticks: 1 });
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    lock.release();
  });

  // After a reboot (or a long uptime) the pid in a stale lock can belong to
  // some other live process.
  it("takes over a lock whose pid is alive but started at another time", () => {
    const dir = tempDir();
    const pid = unrelatedProcess();
    writeHolder(dir, pid, { start_ticks: startTicks(pid) - 1 });
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock written in another boot, though its pid is alive", () => {
    const dir = tempDir();
    writeHolder(dir, unrelatedProcess(), { boot_id: "00000000-0000-4000-8000-000000000000" });
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, boot_id: BOOT_ID });
    lock.release();
  });

  it("takes over an older lock file (pid and time only) whose pid started after the lock was written", () => {
    const dir = tempDir();
    writeOldHolder(dir, unrelatedProcess(), new Date(Date.now() - 3600_000).toISOString());
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("refuses an older lock file whose pid was already running when the lock was written", () => {
    const dir = tempDir();
    const pid = unrelatedProcess();
    writeOldHolder(dir, pid, new Date(Date.now() + 60_000).toISOString());
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(readLock(dir).pid).toBe(pid);
  });

  it("takes over an older lock file naming a process that no longer exists", () => {
    const dir = tempDir();
    writeOldHolder(dir, DEAD_PID, "2026-01-01T00:00:00.000Z");
    expect(() => acquireDataDirLock(dir).release()).not.toThrow();
  });

  it("takes over an unreadable lock file", () => {
    const dir = tempDir();
    writeFileSync(lockFile(dir), "{not json");
    expect(() => acquireDataDirLock(dir).release()).not.toThrow();
  });

  it("refuses a second acquire while this process holds the lock", () => {
    const dir = tempDir();
    const first = acquireDataDirLock(dir);
    try {
      expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
      // The refused attempt did not disturb the holder's file.
      expect(readLock(dir).pid).toBe(process.pid);
    } finally {
      first.release();
    }
    expect(() => acquireDataDirLock(dir).release()).not.toThrow();
  });

  it("takes over a lock naming this pid that this process does not hold (a restarted container is pid 1 again)", () => {
    const dir = tempDir();
    writeHolder(dir, process.pid);
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir).started_at).not.toBe("2026-01-01T00:00:00.000Z");
    lock.release();
  });
});

describe("openPglite with a data dir", () => {
  it("refuses a data dir another live process holds, without touching it", async () => {
    const dir = tempDir();
    writeHolder(dir, process.ppid);
    await expect(openPglite({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    expect(existsSync(path.join(dir, "pgdata"))).toBe(false);
  });

  it("keeps data across close and reopen, releasing the lock on close", async () => {
    const dir = tempDir();
    const first = await openPglite({ dataDir: dir });
    await first.session((s) => s.exec("create table kept (n int); insert into kept values (42);"));
    await first.close();
    expect(existsSync(lockFile(dir))).toBe(false);
    const again = await openPglite({ dataDir: dir });
    try {
      expect(await again.session((s) => s.query("select n from kept"))).toEqual([{ n: 42 }]);
    } finally {
      await again.close();
    }
  });

  // Two PGlite instances on one data dir would corrupt it.
  it("refuses to open a data dir twice", async () => {
    const dir = tempDir();
    const first = await openPglite({ dataDir: dir });
    try {
      const second = await openPglite({ dataDir: dir }).catch((e: unknown) => e);
      if (!(second instanceof Error)) await (second as { close(): Promise<void> }).close();
      expect(second).toBeInstanceOf(DataDirLockedError);
    } finally {
      await first.close();
    }
  });
});

describe("a running server's data dir", () => {
  it("is refused to a second server and to this process, naming the holder, and the holder keeps working", async () => {
    const dir = tempDir();
    // A fresh data dir migrates the embedded database first: slower to start.
    const server = await startServer({ dataDir: dir, timeoutMs: 90_000 });
    try {
      const holder = readLock(dir);
      expect(holder).toMatchObject({ pid: server.process.pid, boot_id: BOOT_ID, start_ticks: startTicks(server.process.pid!) });
      const message = `Another Mission Control process (pid ${server.process.pid}, started ${String(holder.started_at)}) is using the embedded database in ${dir}.`;
      expect(() => acquireDataDirLock(dir)).toThrow(message);
      const second = spawnSync(process.execPath, [path.join(REPO_ROOT, "build/server/index.js")], {
        env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", DATA_DIR: dir },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(second.status).toBe(1);
      expect(second.stdout).toContain(message);
      expect(readLock(dir)).toEqual(holder);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(existsSync(lockFile(dir))).toBe(false);
  }, 150_000);
});
