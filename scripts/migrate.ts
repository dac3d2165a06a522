// `npm run db:migrate`: applies pending migrations and changed function files to DATABASE_URL or the embedded database.
import { defaultSchemaDir, loadSchema, migrate } from "#app/db/migrations.server";
import { openDatabase } from "#app/db/open.server";
import { getEnv } from "#app/env.server";

const env = getEnv();
const db = await openDatabase(env);
try {
  const report = await migrate(db, await loadSchema(env.SCHEMA_DIR ?? defaultSchemaDir()));
  const changed = [...report.applied, ...report.functions];
  console.log(changed.length ? `Applied: ${changed.join(", ")}` : `Up to date (${report.skipped} migrations applied).`);
} finally {
  await db.close();
}
