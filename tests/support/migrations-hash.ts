import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { loadMigrations, type Migration } from "#app/db/migrations.server";

/** The repository's migrations folder, found from this file (not the cwd). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../supabase/migrations", import.meta.url));

export function loadRepoMigrations(): Promise<Migration[]> {
  return loadMigrations(MIGRATIONS_DIR);
}

/** Names and contents of every migration: any edit gives new templates. */
export function migrationsHash(migrations: Migration[]): string {
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(`${m.name}\0${m.checksum}\0`);
  return hash.digest("hex").slice(0, 12);
}
