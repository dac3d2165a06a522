// `npm run db:migrate`: applies pending migrations to DATABASE_URL or the embedded database.
import { defaultMigrationsDir, loadMigrations, migrate } from "#app/db/migrations.server";
import { openDatabase } from "#app/db/open.server";
import { getEnv } from "#app/env.server";

const env = getEnv();
const db = await openDatabase(env);
try {
  const report = await migrate(db, await loadMigrations(env.MIGRATIONS_DIR ?? defaultMigrationsDir()));
  console.log(report.applied.length ? `Applied: ${report.applied.join(", ")}` : `Up to date (${report.skipped} applied).`);
} finally {
  await db.close();
}
