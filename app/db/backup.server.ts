import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { acquireDataDirLock, DataDirLockedError } from "./data-dir-lock.server";
import { openPglite, type PgliteDatabase } from "./pglite.server";
import type { RuntimeDatabase } from "./types";

// Backups of the database (decision 039): before every versioned migration a
// deploy or a start applies, and as operator commands (`node
// build/server/index.js backup|restore`, server/db-commands.ts).
//
//   PostgreSQL (DATABASE_URL): `pg_dump --format=custom`, taken while the
//   database serves; restored with pg_restore's script run by psql in ONE
//   transaction after dropping the app's schemas, so a failed restore
//   changes nothing.
//   Embedded (DATA_DIR/pgdata): PGlite's own dumpDataDir (a gzipped tarball of
//   the data directory) from the one process that holds the database, so the
//   copy is consistent; restored into a fresh directory that then replaces
//   pgdata (the old one is kept beside it as pgdata.before-restore).
//
// Files live in DATA_DIR/backups/<version>/<UTC time>.<dump|pglite.tar.gz>:
// the version is the release the backup was taken before (a deploy tag), so
// a deploy prunes backups with its releases; the data directory is the one
// place the service may write and is readable by its user only.

export type BackupKind = "postgres" | "pglite";
export interface BackupEnv {
  DATABASE_URL?: string;
  dataDir: string;
}

export class BackupError extends Error {}

/** Backups kept per data directory when nothing prunes them explicitly (as many as a deploy keeps releases). */
export const BACKUPS_KEPT = 3;
const PG_MAGIC = "PGDMP";
const GZIP_MAGIC = [0x1f, 0x8b];
const EXTENSION: Record<BackupKind, string> = { postgres: ".dump", pglite: ".pglite.tar.gz" };

export function backupKind(env: BackupEnv): BackupKind {
  return env.DATABASE_URL ? "postgres" : "pglite";
}

export function backupRoot(env: BackupEnv): string {
  return path.join(env.dataDir, "backups");
}

/** A version as a directory name (deploy tags are already safe). */
export function versionDir(version: string): string {
  return version.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "unversioned";
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Takes a backup into DATA_DIR/backups/<version>/ and prunes to the newest
 * BACKUPS_KEPT version directories. `db` is the embedded database when this
 * process already holds it (the server's start); otherwise it is opened here,
 * which fails while a server runs on it.
 */
export async function takeBackup(env: BackupEnv, options: { version: string; db?: RuntimeDatabase; now?: Date }): Promise<string> {
  const kind = backupKind(env);
  const dir = path.join(backupRoot(env), versionDir(options.version));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${stamp(options.now ?? new Date())}${EXTENSION[kind]}`);
  const partial = `${file}.partial-${randomBytes(4).toString("hex")}`;
  try {
    if (kind === "postgres") await pgDump(env.DATABASE_URL!, partial);
    else await writeFile(partial, await pgliteDump(env, options.db), { mode: 0o600 });
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await pruneBackups(env, { newest: BACKUPS_KEPT });
  return file;
}

/** Version directories, newest first (by the time of their newest backup). */
export async function listBackups(env: BackupEnv): Promise<Array<{ version: string; files: string[] }>> {
  const root = backupRoot(env);
  if (!existsSync(root)) return [];
  const out: Array<{ version: string; files: string[]; newest: number }> = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const names = (await readdir(dir)).filter((n) => n.endsWith(".dump") || n.endsWith(".pglite.tar.gz")).sort();
    const times = await Promise.all(names.map(async (n) => (await stat(path.join(dir, n))).mtimeMs));
    out.push({ version: entry.name, files: names.map((n) => path.join(dir, n)), newest: Math.max(0, ...times) });
  }
  return out.sort((a, b) => b.newest - a.newest || b.version.localeCompare(a.version)).map(({ version, files }) => ({ version, files }));
}

/** Keeps the newest N version directories, or removes the named ones; returns the removed ones. */
export async function pruneBackups(env: BackupEnv, which: { newest: number } | { drop: string[] }): Promise<string[]> {
  const all = await listBackups(env);
  const dropped = new Set("drop" in which ? which.drop.map(versionDir) : []);
  const removed = all.filter((b, i) => ("newest" in which ? i >= which.newest : dropped.has(b.version))).map((b) => b.version);
  for (const version of removed) await rm(path.join(backupRoot(env), version), { recursive: true, force: true });
  return removed;
}

/** The newest backup taken before `version`. */
export async function findBackup(env: BackupEnv, version: string): Promise<string> {
  const dir = path.join(backupRoot(env), versionDir(version));
  const files = (await listBackups(env)).find((b) => b.version === versionDir(version))?.files ?? [];
  const file = files.filter((f) => f.endsWith(EXTENSION[backupKind(env)])).at(-1);
  if (!file) throw new BackupError(`There is no ${backupKind(env) === "postgres" ? "PostgreSQL" : "embedded database"} backup in ${dir}.`);
  return file;
}

/** Replaces the database's contents with a backup's; checks the file first and changes nothing when it is not a good backup. */
export async function restoreBackup(env: BackupEnv, file: string): Promise<void> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const head = Buffer.alloc(8);
  const handle = await open(file, "r");
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (backupKind(env) === "postgres") {
    if (head.subarray(0, PG_MAGIC.length).toString("latin1") !== PG_MAGIC) {
      throw new BackupError(`${file} is not a PostgreSQL backup (pg_dump --format=custom); nothing was changed.`);
    }
    await pgRestore(env.DATABASE_URL!, file);
  } else {
    if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
      throw new BackupError(`${file} is not an embedded database backup (a gzipped PGlite data directory); nothing was changed.`);
    }
    await pgliteRestore(env, file);
  }
}

// --- PostgreSQL -------------------------------------------------------------

/** libpq's connection settings from a URL: the password goes in the environment, not the command line. */
function libpq(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  return { dbname: parsed.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        new BackupError(
          error.code === "ENOENT"
            ? `${command} is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client), as new as the server.`
            : `${command} failed to start: ${error.message}`,
        ),
      ),
    );
    child.on("close", (code) => (code === 0 ? resolve(stderr) : reject(new BackupError(`${command} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

async function pgDump(url: string, file: string): Promise<void> {
  const { dbname, env } = libpq(url);
  await runTool("pg_dump", ["--format=custom", "--no-password", `--file=${file}`, `--dbname=${dbname}`], env);
}

// The app's schemas (and anything else a previous restore or migration
// left), dropped in the same transaction that recreates them from the dump.
const DROP_SCHEMAS = `
do $$
declare s record;
begin
  for s in select nspname from pg_namespace
           where nspname not like 'pg\\_%' and nspname <> 'information_schema' and pg_has_role(nspowner, 'USAGE')
  loop
    execute format('drop schema %I cascade', s.nspname);
  end loop;
end $$;
create schema if not exists public;
grant usage on schema public to public;
`;

async function pgRestore(url: string, file: string): Promise<void> {
  const { dbname, env } = libpq(url);
  // pg_restore reads the whole file into a script first: a damaged backup fails here, before anything is dropped.
  const script = `${file}.restore-${randomBytes(4).toString("hex")}.sql`;
  const preamble = `${script}.drop.sql`;
  try {
    await runTool("pg_restore", ["--no-owner", `--file=${script}`, file], env).catch((error: Error) => {
      throw new BackupError(`${file} cannot be read as a backup (${error.message}); nothing was changed.`);
    });
    await writeFile(preamble, DROP_SCHEMAS, { mode: 0o600 });
    await runTool(
      "psql",
      ["--no-psqlrc", "--quiet", "--no-password", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f", preamble, "-f", script, `--dbname=${dbname}`],
      env,
    ).catch((error: Error) => {
      throw new BackupError(`restoring ${file} failed and was rolled back; nothing was changed: ${error.message}`);
    });
  } finally {
    await rm(script, { force: true });
    await rm(preamble, { force: true });
  }
}

// --- Embedded ----------------------------------------------------------------

async function pgliteDump(env: BackupEnv, db?: RuntimeDatabase): Promise<Buffer> {
  const open = db as Partial<PgliteDatabase> | undefined;
  if (open?.kind === "pglite" && open.dumpDataDir) return Buffer.from(await open.dumpDataDir());
  let opened;
  try {
    opened = await openPglite({ dataDir: env.dataDir });
  } catch (error) {
    if (error instanceof DataDirLockedError)
      throw new BackupError(`${(error as Error).message} Stop the service first: the embedded database admits one process.`);
    throw error;
  }
  try {
    return Buffer.from(await opened.dumpDataDir());
  } finally {
    await opened.close();
  }
}

async function pgliteRestore(env: BackupEnv, file: string): Promise<void> {
  let lock;
  try {
    lock = acquireDataDirLock(env.dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new BackupError(`${(error as Error).message} Stop the service first; nothing was changed.`);
    throw error;
  }
  const live = path.join(env.dataDir, "pgdata");
  const fresh = path.join(env.dataDir, `pgdata.restoring-${randomBytes(4).toString("hex")}`);
  const aside = path.join(env.dataDir, "pgdata.before-restore");
  try {
    const archive = await readFile(file);
    // PGlite's own unpacking throws out of reach on a damaged archive: read it all once first.
    await promisify(gunzip)(archive).catch((error: Error) => {
      throw new BackupError(`${file} is damaged (${error.message}); nothing was changed.`);
    });
    try {
      const pg = await PGlite.create({ dataDir: fresh, loadDataDir: new Blob([new Uint8Array(archive)]) });
      try {
        await pg.query("select count(*) from pg_class");
      } finally {
        await pg.close();
      }
    } catch (error) {
      throw new BackupError(`${file} cannot be loaded as an embedded database (${(error as Error).message}); nothing was changed.`);
    }
    await rm(aside, { recursive: true, force: true });
    if (existsSync(live)) await rename(live, aside);
    await rename(fresh, live);
  } finally {
    await rm(fresh, { recursive: true, force: true });
    lock.release();
  }
}
