import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BASELINE_VERSION, LEGACY_MIGRATIONS, readLegacyLedger } from "./legacy-ledger.server";
import { splitStatements } from "./sql-statements";
import type { RuntimeDatabase, SqlSession } from "./types";

// Brings a database's schema up to date (decisions 020 and 021), in two steps
// under one advisory lock, so concurrent starts are safe:
//
// 1. supabase/migrations/*.sql, the versioned history: each file once, in
//    version order, recorded in supabase_migrations.schema_migrations exactly
//    as `supabase db push` records it. Either tool can build a database and
//    the other then sees every migration as applied.
// 2. supabase/sql/*.sql, the functions and trigger bindings, one file per
//    area: each file, in name order, whenever its content differs from what
//    this runner last applied (supabase_migrations.function_files). The CLI
//    never writes that table, so a file it ran is applied again here once.
//
// Each file runs in its own transaction: a failing one changes nothing.

export interface SchemaFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface Migration extends SchemaFile {
  /** The 14 digits before the first underscore: the CLI's key. */
  version: string;
  /** The part between the version and `.sql`: the CLI's name column. */
  label: string;
  /** The statements as the CLI records them. */
  statements: string[];
  /**
   * The release before this migration still works on the schema it leaves
   * (expand/contract, CONTRIBUTING.md): declared by a header line
   * `-- compatible-with-previous: true` (or `false`); undeclared is false.
   */
  compatibleWithPrevious: boolean;
}

export interface SchemaSource {
  migrations: Migration[];
  functions: SchemaFile[];
}

export class MigrationError extends Error {}

const LOCK_KEY = 7_340_001; // arbitrary, fixed: "mission-control migrations"
const MIGRATION_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;
const FUNCTION_FILE_NAME = /^\d{2}_[a-z0-9_]+\.sql$/;
/** The declaration, in the comment lines a migration starts with. */
const COMPATIBLE_HEADER = /^--\s*compatible-with-previous:\s*(true|false)\s*$/im;

/** What a migration's leading comment lines declare; null when they say nothing. */
export function declaredCompatibility(sql: string): boolean | null {
  const header = sql.slice(0, sql.search(/^(?!\s*(--|$)).*/m) >>> 0);
  const match = COMPATIBLE_HEADER.exec(header);
  return match ? match[1]!.toLowerCase() === "true" : null;
}

/** build/server/supabase next to the bundle, else the source tree's supabase/. */
export function defaultSchemaDir(): string {
  const candidates = [path.join(path.dirname(fileURLToPath(import.meta.url)), "supabase"), path.resolve("supabase")];
  return candidates.find((dir) => existsSync(path.join(dir, "migrations"))) ?? candidates[candidates.length - 1]!;
}

/** Reads `<dir>/migrations` and `<dir>/sql`. */
export async function loadSchema(dir: string): Promise<SchemaSource> {
  const migrations = (await readSqlFiles(path.join(dir, "migrations"), MIGRATION_NAME, "YYYYMMDDHHMMSS_name.sql")).map((file) => {
    const [, version, label] = MIGRATION_NAME.exec(file.name)!;
    return {
      ...file,
      version: version!,
      label: label!,
      statements: splitStatements(file.sql),
      compatibleWithPrevious: declaredCompatibility(file.sql) ?? false,
    };
  });
  const functions = await readSqlFiles(path.join(dir, "sql"), FUNCTION_FILE_NAME, "NN_area.sql");
  return { migrations, functions };
}

async function readSqlFiles(dir: string, pattern: RegExp, shape: string): Promise<SchemaFile[]> {
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort() : [];
  const bad = names.filter((n) => !pattern.test(n));
  if (bad.length > 0) throw new MigrationError(`Files in ${path.basename(dir)}/ must be named ${shape}: ${bad.join(", ")}`);
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

export interface MigrationReport {
  /** Versioned migrations applied now, by file name. */
  applied: string[];
  /** Versioned migrations that were already applied. */
  skipped: number;
  /** Function files applied now (new or changed since this runner last applied them). */
  functions: string[];
  /** True when an old-layout database was taken over (see legacy-ledger.server.ts). */
  adopted: boolean;
  /** Applied migrations this build does not know, all declared compatible with the release before them (an older release on a newer schema). */
  newer: string[];
}

interface AppliedRow {
  version: string;
  name: string | null;
  statements: string[] | null;
  compatible_with_previous: boolean | null;
}

/**
 * Versioned migrations this build would apply to the database now (read
 * without the lock: for deciding whether to take a backup first). A database
 * without a ledger yet, or one holding no migration, reports none: there is
 * nothing in it to lose.
 */
export async function pendingMigrations(db: RuntimeDatabase, source: SchemaSource): Promise<string[]> {
  if (!db.session) return [];
  return db.session(async (s) => {
    const [ledger] = await s.query<{ t: string | null }>("select to_regclass('supabase_migrations.schema_migrations')::text as t");
    if (!ledger?.t) return [];
    const rows = await s.query<{ version: string }>("select version from supabase_migrations.schema_migrations");
    if (rows.length === 0) return [];
    const applied = new Set(rows.map((r) => r.version));
    return source.migrations.filter((m) => !applied.has(m.version)).map((m) => m.name);
  });
}

export async function migrate(db: RuntimeDatabase, source: SchemaSource): Promise<MigrationReport> {
  // Supabase over HTTP has no sessions: `supabase db push` applies the same files there.
  if (!db.session)
    throw new MigrationError("This transport cannot run migrations (no SQL session): apply supabase/ with `supabase db push` (docs/SUPABASE.md).");
  return db.session(async (s) => {
    await s.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      // Before anything is created: a refused database is left as it was.
      const adopted = await adoptLegacyLedger(s, source.migrations);
      await ensureLedgers(s);
      const rows = await s.query<AppliedRow>("select version, name, statements, compatible_with_previous from supabase_migrations.schema_migrations");
      const newer = checkHistory(rows, source.migrations);
      const report: MigrationReport = { applied: [], skipped: rows.length, functions: [], adopted, newer };
      const applied = new Set(rows.map((r) => r.version));
      for (const m of source.migrations) {
        if (applied.has(m.version)) continue;
        await inTransaction(s, `Migration ${m.name}`, async () => {
          await s.exec(m.sql);
          await s.query("insert into supabase_migrations.schema_migrations (version, name, statements, compatible_with_previous) values ($1, $2, $3, $4)", [
            m.version,
            m.label,
            m.statements,
            m.compatibleWithPrevious,
          ]);
        });
        report.applied.push(m.name);
      }
      // Rows the CLI wrote carry no declaration: record this build's, so an older release can read it.
      for (const row of rows) {
        const m = source.migrations.find((x) => x.version === row.version);
        if (m && row.compatible_with_previous === null) {
          await s.query("update supabase_migrations.schema_migrations set compatible_with_previous = $2 where version = $1", [
            m.version,
            m.compatibleWithPrevious,
          ]);
        }
      }
      const done = await s.query<{ name: string; checksum: string }>("select name, checksum from supabase_migrations.function_files");
      const current = new Map(done.map((r) => [r.name, r.checksum]));
      for (const f of source.functions) {
        if (current.get(f.name) === f.checksum) continue;
        await inTransaction(s, `Function file ${f.name}`, async () => {
          await s.exec(f.sql);
          await s.query(
            `insert into supabase_migrations.function_files (name, checksum) values ($1, $2)
             on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
            [f.name, f.checksum],
          );
        });
        report.functions.push(f.name);
      }
      return report;
    } finally {
      await s.query("select pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  });
}

// The CLI's own DDL for its ledger (so whichever tool comes first, the table
// is the one the other expects), and the app's record of function files.
async function ensureLedgers(s: SqlSession): Promise<void> {
  await s.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
    alter table supabase_migrations.schema_migrations add column if not exists statements text[];
    alter table supabase_migrations.schema_migrations add column if not exists name text;
    alter table supabase_migrations.schema_migrations add column if not exists compatible_with_previous boolean;
    create table if not exists supabase_migrations.function_files (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );`);
}

/**
 * Applied history must be this build's, or newer and harmless to it: a
 * version this build does not know means an older release on a newer
 * database, which is allowed only when every such migration was declared
 * compatible with the release before it (expand/contract), and refused with
 * their names otherwise. Different statements mean an applied file was edited
 * (a table change is a new file, never an edit). Rows without statements
 * (written by `supabase migration repair`) are taken on trust. Returns the
 * unknown, compatible migrations' names.
 */
function checkHistory(rows: AppliedRow[], migrations: Migration[]): string[] {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const unknown: AppliedRow[] = [];
  for (const row of rows) {
    const m = known.get(row.version);
    if (!m) {
      unknown.push(row);
      continue;
    }
    if (row.statements && JSON.stringify(row.statements) !== JSON.stringify(m.statements)) {
      throw new MigrationError(`Migration ${m.name} was edited after it was applied. Restore it and add a new migration instead.`);
    }
  }
  unknown.sort((a, b) => a.version.localeCompare(b.version));
  const label = (r: AppliedRow) => (r.name ? `${r.version}_${r.name}` : r.version);
  const incompatible = unknown.filter((r) => r.compatible_with_previous !== true);
  if (incompatible.length > 0) {
    throw new MigrationError(
      `The database has migration${incompatible.length > 1 ? "s" : ""} ${incompatible.map(label).join(", ")}, which this build does not know ` +
        "and which are not declared compatible with the release before them (-- compatible-with-previous: true). Is this an older release? " +
        "Start the newer release again, or restore the backup taken before they were applied: node build/server/index.js restore --before <that release> (docs/PRODUCTION_SETUP.md).",
    );
  }
  return unknown.map(label);
}

/** Records a complete legacy ledger as the baseline; refuses a partial one. */
async function adoptLegacyLedger(s: SqlSession, migrations: Migration[]): Promise<boolean> {
  const legacy = await readLegacyLedger(s);
  if (legacy.kind === "none") return false;
  if (legacy.kind === "partial") {
    throw new MigrationError(
      "This database was migrated by an older build and its history (public.schema_migrations) is incomplete: " +
        `${legacy.missing.length} of the ${LEGACY_MIGRATIONS.length} files the baseline replaced are missing (first: ${legacy.missing[0] ?? "none"})` +
        (legacy.unknown.length > 0 ? `, and it lists files this build does not know (${legacy.unknown.join(", ")})` : "") +
        ". Start it once with a build from before the baseline so its history is complete, or export its data into a new database.",
    );
  }
  const baseline = migrations.find((m) => m.version === BASELINE_VERSION);
  if (!baseline) throw new MigrationError(`The baseline migration ${BASELINE_VERSION}_*.sql is missing from this build.`);
  await ensureLedgers(s);
  await inTransaction(s, "Taking over the old migration history", async () => {
    await s.query("insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)", [
      baseline.version,
      baseline.label,
      baseline.statements,
    ]);
    await s.exec("drop table public.schema_migrations");
  });
  return true;
}

async function inTransaction(s: SqlSession, what: string, fn: () => Promise<void>): Promise<void> {
  await s.exec("begin");
  try {
    await fn();
    await s.exec("commit");
  } catch (error) {
    await s.exec("rollback");
    throw new MigrationError(`${what} failed: ${(error as Error).message}`);
  }
}
