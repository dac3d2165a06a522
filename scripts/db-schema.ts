// `npm run db:schema`: rewrites supabase/schema.sql from a scratch PostgreSQL
// database the app's runner builds (on the server of TEST_DATABASE_URL, else
// the local one), then drops it.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { loadSchema, migrate } from "#app/db/migrations.server";
import { openPostgres } from "#app/db/postgres.server";
import { dumpPublicSchema } from "./lib/schema-dump";

const root = path.resolve(import.meta.dirname, "..");
const admin = new URL(process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");
const name = `mc_schema_dump_${randomBytes(4).toString("hex")}`;
const url = new URL(admin);
url.pathname = `/${name}`;

const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
await sql.unsafe(`create database ${name}`);
try {
  const db = openPostgres(url.toString(), { max: 1 });
  try {
    await migrate(db, await loadSchema(path.join(root, "supabase")));
  } finally {
    await db.close();
  }
  writeFileSync(path.join(root, "supabase/schema.sql"), dumpPublicSchema(url.toString()));
  console.log("Wrote supabase/schema.sql");
} finally {
  await sql.unsafe(`drop database if exists ${name} with (force)`);
  await sql.end({ timeout: 5 });
}
