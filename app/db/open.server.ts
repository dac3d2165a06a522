import type { Env } from "#app/env.server";
import { openPglite } from "./pglite.server";
import { openPostgres } from "./postgres.server";
import type { SqlDatabase } from "./types";

/** DATABASE_URL selects PostgreSQL; otherwise the embedded database under DATA_DIR. */
export async function openDatabase(env: Pick<Env, "DATABASE_URL" | "DATABASE_POOL_MAX" | "dataDir">): Promise<SqlDatabase> {
  if (env.DATABASE_URL) return openPostgres(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX });
  return openPglite({ dataDir: env.dataDir });
}
