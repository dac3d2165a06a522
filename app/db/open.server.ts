import type { Env } from "#app/env.server";
import { openPglite } from "./pglite.server";
import { openPostgres } from "./postgres.server";
import { openSupabase } from "./supabase.server";
import { traced } from "./traced.server";
import type { RuntimeDatabase } from "./types";

/**
 * DATABASE_URL selects PostgreSQL; else SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY
 * select Supabase over HTTP (rpc only, no sessions); otherwise the embedded
 * database under DATA_DIR.
 */
export async function openDatabase(
  env: Pick<Env, "DATABASE_URL" | "DATABASE_POOL_MAX" | "dataDir"> & Partial<Pick<Env, "SUPABASE_URL" | "SUPABASE_SERVICE_ROLE_KEY">>,
): Promise<RuntimeDatabase> {
  if (env.DATABASE_URL) return traced(openPostgres(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX }));
  if (env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY) return traced(openSupabase({ url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY }));
  return traced(await openPglite({ dataDir: env.dataDir }));
}
