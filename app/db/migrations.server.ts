import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeDatabase, SqlSession } from "./types";

// Applies supabase/migrations/*.sql in name order, once each, inside an
// advisory lock so concurrent starts are safe. A changed applied file stops
// the start: schema history is append-only.

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

const LOCK_KEY = 7_340_001; // arbitrary, fixed: "mission-control migrations"
const FILE_PATTERN = /^\d{14}_[a-z0-9_]+\.sql$/;

/** build/server/migrations next to the bundle, else the source tree's folder. */
export function defaultMigrationsDir(): string {
  const candidates = [
    path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations"),
    path.resolve("supabase/migrations"),
  ];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[candidates.length - 1]!;
}

export async function loadMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  const bad = names.filter((n) => !FILE_PATTERN.test(n));
  if (bad.length > 0) throw new MigrationError(`Migration file names must look like YYYYMMDDHHMMSS_name.sql: ${bad.join(", ")}`);
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

export interface MigrationReport {
  applied: string[];
  skipped: number;
}

export async function migrate(db: RuntimeDatabase, migrations: Migration[]): Promise<MigrationReport> {
  // Supabase over HTTP has no sessions: `supabase db push` applies the same files there.
  if (!db.session) throw new MigrationError("This transport cannot run migrations (no SQL session): apply supabase/migrations with `supabase db push`.");
  return db.session(async (s) => {
    await s.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await s.exec(`create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
      const rows = await s.query<{ name: string; checksum: string }>("select name, checksum from schema_migrations");
      const applied = new Map(rows.map((r) => [r.name, r.checksum]));
      checkHistory(applied, migrations);
      const report: MigrationReport = { applied: [], skipped: applied.size };
      for (const m of migrations) {
        if (applied.has(m.name)) continue;
        await applyOne(s, m);
        report.applied.push(m.name);
      }
      return report;
    } finally {
      await s.query("select pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  });
}

function checkHistory(applied: Map<string, string>, migrations: Migration[]): void {
  const known = new Map(migrations.map((m) => [m.name, m.checksum]));
  for (const [name, checksum] of applied) {
    const current = known.get(name);
    if (current === undefined) {
      throw new MigrationError(`The database has migration ${name}, which this build does not know. Is this an older release?`);
    }
    if (current !== checksum) {
      throw new MigrationError(`Migration ${name} was edited after it was applied. Restore it and add a new migration instead.`);
    }
  }
}

async function applyOne(s: SqlSession, m: Migration): Promise<void> {
  await s.exec("begin");
  try {
    await s.exec(m.sql);
    await s.query("insert into schema_migrations (name, checksum) values ($1, $2)", [m.name, m.checksum]);
    await s.exec("commit");
  } catch (error) {
    await s.exec("rollback");
    throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`);
  }
}
