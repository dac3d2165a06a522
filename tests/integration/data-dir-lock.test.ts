import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, acquireDataDirLock } from "#app/db/data-dir-lock.server";
import { openPglite } from "#app/db/pglite.server";

// The embedded database's one-process-per-data-dir guard.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mc-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lockFile = (dir: string) => path.join(dir, "mission-control.lock");
function writeHolder(dir: string, pid: number): void {
  writeFileSync(lockFile(dir), JSON.stringify({ pid, started_at: "2026-01-01T00:00:00.000Z" }));
}

/** A pid no process has: above the kernel's pid_max. */
const DEAD_PID = 2 ** 22 + 12_345;

describe("acquireDataDirLock", () => {
  it("writes this process's pid and removes the file on release, once", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8"))).toMatchObject({ pid: process.pid, started_at: expect.any(String) });
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
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.ppid);
  });

  it("takes over a stale lock left by a process that no longer exists", () => {
    const dir = tempDir();
    writeHolder(dir, DEAD_PID);
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.pid);
    lock.release();
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
      expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.pid);
    } finally {
      first.release();
    }
    expect(() => acquireDataDirLock(dir).release()).not.toThrow();
  });

  it("takes over a lock naming this pid that this process does not hold (a restarted container is pid 1 again)", () => {
    const dir = tempDir();
    writeHolder(dir, process.pid);
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).started_at).not.toBe("2026-01-01T00:00:00.000Z");
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
