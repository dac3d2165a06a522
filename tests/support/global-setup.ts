import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { migrate } from "#app/db/migrations.server";
import { openPglite } from "#app/db/pglite.server";
import { openPostgres } from "#app/db/postgres.server";
import { adminUrl, databaseUrl, dropDatabase } from "./admin";
import { loadRepoSchema, schemaHash } from "./schema-source";

// Builds the migrated databases every integration test starts from, once per
// set of migrations and function files: a PostgreSQL template database (tests clone it, which
// takes milliseconds) and a PGlite data-dir dump (tests load it in memory).

declare module "vitest" {
  interface ProvidedContext {
    pgTemplate: string;
    pgliteDump: string;
    runId: string;
  }
}

const TEMPLATE_LOCK = 7_340_101; // arbitrary, fixed: "mission-control test templates"

export default async function setup(project: TestProject) {
  const schema = await loadRepoSchema();
  const hash = schemaHash(schema);
  const runId = randomBytes(3).toString("hex");

  project.provide("pgTemplate", await ensurePostgresTemplate(`mc_template_${hash}`));
  project.provide("pgliteDump", await ensurePgliteDump(hash));
  project.provide("runId", runId);

  // Databases a crashed test file did not drop.
  return async () => {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`mc_t_${runId}_%`}`;
      for (const { datname } of rows) await dropDatabase(sql, datname);
    } finally {
      await sql.end({ timeout: 5 });
    }
  };

  async function ensurePostgresTemplate(name: string): Promise<string> {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      // Another vitest run may be building the same template right now.
      await sql`select pg_advisory_lock(${TEMPLATE_LOCK})`;
      const [found] = await sql`select 1 from pg_database where datname = ${name}`;
      if (found) return name;

      // Built under a temporary name and renamed, so a crash mid-way never
      // leaves a half-migrated database under the final name.
      const building = `${name}_building`;
      await dropDatabase(sql, building);
      await sql.unsafe(`create database ${building}`);
      const db = openPostgres(databaseUrl(building), { max: 1 });
      try {
        await migrate(db, schema);
      } finally {
        await db.close();
      }
      await sql.unsafe(`alter database ${building} rename to ${name}`);
      // Nobody may connect: CREATE DATABASE ... TEMPLATE needs it idle.
      await sql.unsafe(`alter database ${name} with is_template true allow_connections false`);
      return name;
    } finally {
      await sql`select pg_advisory_unlock(${TEMPLATE_LOCK})`.catch(() => {});
      await sql.end({ timeout: 5 });
    }
  }

  async function ensurePgliteDump(key: string): Promise<string> {
    const dir = path.join(os.tmpdir(), "mission-control-tests");
    const file = path.join(dir, `pglite-${pgliteVersion()}-${key}.tar.gz`);
    if (existsSync(file)) return file;
    mkdirSync(dir, { recursive: true });
    const db = await openPglite();
    try {
      await migrate(db, schema);
      const dump = await db.dumpDataDir();
      // Write then rename: a concurrent run never reads a partial file.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, dump);
      renameSync(partial, file);
    } finally {
      await db.close();
    }
    return file;
  }
}

/** A dump is only loadable by the PGlite release that wrote it. */
function pgliteVersion(): string {
  try {
    const url = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
