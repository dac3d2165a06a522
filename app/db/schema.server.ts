import type { Logger } from "#app/services/observability/logger.server";
import { getEventBounds } from "./events.server";
import { defaultMigrationsDir, loadMigrations, migrate } from "./migrations.server";
import type { RuntimeDatabase } from "./types";

// At start: a SQL transport applies pending migrations itself; a transport
// without sessions (Supabase over HTTP) leaves them to `supabase db push` and
// only checks that the schema is there, refusing to start if it is not.

export class SchemaMissingError extends Error {}

export async function prepareSchema(db: RuntimeDatabase, migrationsDir: string | undefined, log: Logger): Promise<void> {
  if (db.session) {
    const report = await migrate(db, await loadMigrations(migrationsDir ?? defaultMigrationsDir()));
    if (report.applied.length > 0) log.info({ event: "db.migrated", applied: report.applied }, "applied migrations");
    return;
  }
  log.info({ event: "db.migrations_external", transport: db.kind }, "migrations are not run on this transport: `supabase db push` applies supabase/migrations");
  try {
    await db.ping();
    await getEventBounds(db);
  } catch (error) {
    throw new SchemaMissingError(
      `The database schema is missing or out of date (${(error as Error).message}). ` +
        "Apply supabase/migrations to the project with `supabase db push`, then start again.",
      { cause: error },
    );
  }
}
