import type { Logger } from "#app/services/observability/logger.server";
import { getEventBounds } from "./events.server";
import { defaultSchemaDir, loadSchema, migrate } from "./migrations.server";
import type { RuntimeDatabase } from "./types";

// At start: a SQL transport applies pending migrations and changed function
// files itself; a transport without sessions (Supabase over HTTP) leaves them
// to `supabase db push` and only checks that the schema is there, refusing to
// start if it is not.

export class SchemaMissingError extends Error {}

export async function prepareSchema(db: RuntimeDatabase, schemaDir: string | undefined, log: Logger): Promise<void> {
  if (db.session) {
    const report = await migrate(db, await loadSchema(schemaDir ?? defaultSchemaDir()));
    if (report.applied.length > 0 || report.functions.length > 0) {
      log.info({ event: "db.migrated", applied: report.applied, functions: report.functions, adopted: report.adopted }, "applied migrations");
    }
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
