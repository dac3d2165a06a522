import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { loadSchema, type SchemaSource } from "#app/db/migrations.server";

/** The repository's supabase/ folder (migrations/ and sql/), found from this file (not the cwd). */
export const SCHEMA_DIR = fileURLToPath(new URL("../../supabase", import.meta.url));

export function loadRepoSchema(): Promise<SchemaSource> {
  return loadSchema(SCHEMA_DIR);
}

/** Names and contents of every migration and function file: any edit gives new templates. */
export function schemaHash(source: SchemaSource): string {
  const hash = createHash("sha256");
  for (const f of [...source.migrations, ...source.functions]) hash.update(`${f.name}\0${f.checksum}\0`);
  return hash.digest("hex").slice(0, 12);
}
