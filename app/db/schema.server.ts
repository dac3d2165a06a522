import type { Logger } from "#app/services/observability/logger.server";
import { type BackupEnv, takeBackup } from "./backup.server";
import { getEventBounds } from "./events.server";
import { defaultSchemaDir, loadSchema, migrate, pendingMigrations } from "./migrations.server";
import type { RuntimeDatabase } from "./types";

// At start: a SQL transport applies pending migrations and changed function
// files itself, after a backup when there are versioned migrations to apply
// to a database that holds some already (backup.server.ts); a transport without sessions (Supabase over HTTP) leaves them
// to `supabase db push` and only checks that the schema is there, refusing to
// start if it is not.

export class SchemaMissingError extends Error {}

/** Where a backup before migrating goes: the database's settings and the version about to migrate it. */
export interface BackupBeforeMigrating {
  env: BackupEnv;
  version: string;
}

export async function prepareSchema(db: RuntimeDatabase, schemaDir: string | undefined, log: Logger, backup?: BackupBeforeMigrating): Promise<void> {
  if (db.session) {
    await migrateWithBackup(db, schemaDir, log, backup);
    return;
  }
  log.info({ event: "db.migrations_external", transport: db.kind }, "migrations are not run on this transport: `supabase db push` applies supabase/");
  try {
    await db.ping();
    await getEventBounds(db);
  } catch (error) {
    throw new SchemaMissingError(
      `The database schema is missing or out of date (${(error as Error).message}). ` +
        "Apply supabase/ to the project with `npm run db:release` and `supabase db push --include-seed` (docs/SUPABASE.md), then start again.",
      { cause: error },
    );
  }
}

/** Backs up first when versioned migrations are pending, then migrates; logs what it did. */
export async function migrateWithBackup(db: RuntimeDatabase, schemaDir: string | undefined, log: Logger, backup?: BackupBeforeMigrating) {
  const source = await loadSchema(schemaDir ?? defaultSchemaDir());
  if (backup) {
    const pending = await pendingMigrations(db, source);
    if (pending.length > 0) {
      const file = await takeBackup(backup.env, { version: backup.version, db });
      log.info({ event: "db.backup", file, before: pending, version: backup.version }, `backed up the database before ${pending.length} migration(s)`);
    }
  }
  const report = await migrate(db, source);
  if (report.newer.length > 0) {
    log.warn({ event: "db.newer_schema", migrations: report.newer }, "the database has newer migrations, all declared compatible with this release");
  }
  if (report.applied.length > 0 || report.functions.length > 0) {
    log.info({ event: "db.migrated", applied: report.applied, functions: report.functions, adopted: report.adopted }, "applied migrations");
  }
  return report;
}
