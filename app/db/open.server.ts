import type { Env } from "#app/env.server";
import type { Logger } from "#app/services/observability/logger.server";
import { openPglite } from "./pglite.server";
import { openPostgres } from "./postgres.server";
import { traced } from "./traced.server";
import type { RuntimeDatabase } from "./types";

/**
 * DATABASE_URL selects PostgreSQL; else SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY
 * select Supabase over HTTP (rpc only, no sessions); otherwise the embedded
 * database under DATA_DIR. With `log`, the embedded database's thread dying is
 * logged (fatal) and the process stops with status 1, to be restarted.
 */
export async function openDatabase(
  env: Pick<Env, "DATABASE_URL" | "DATABASE_POOL_MAX" | "dataDir"> & Partial<Pick<Env, "SUPABASE_URL" | "SUPABASE_SERVICE_ROLE_KEY">>,
  log?: Logger,
): Promise<RuntimeDatabase> {
  if (env.DATABASE_URL) return traced(openPostgres(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX }));
  if (env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY) {
    // supabase-js loads only for the deployments that use it.
    const { openSupabase } = await import("./supabase.server");
    return traced(openSupabase({ url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY }));
  }
  // Every call would fail from here on: the process stops (exit status 1), so systemd starts it again (Restart=on-failure).
  const onWorkerExit =
    log &&
    ((err: Error) => {
      log.fatal({ event: "db.worker_exited", err }, `${err.message}; stopping, to be restarted`);
      process.exitCode = 1;
      process.kill(process.pid, "SIGTERM");
    });
  return traced(await openPglite({ dataDir: env.dataDir, onWorkerExit }));
}
