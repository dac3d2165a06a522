import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { openPostgres } from "#app/db/postgres.server";
import type { SqlDatabase } from "#app/db/types";
import { adminUrl, databaseUrl, dropDatabase } from "./admin";

// Fresh, migrated databases for integration tests, cloned from what
// global-setup.ts built. Each test file gets its own, so files run in parallel.

export interface TestPostgres {
  url: string;
  db: SqlDatabase;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A migrated database cloned from the template; `empty: true` gives an unmigrated one. */
export async function createTestPostgres(options: { max?: number; empty?: boolean } = {}): Promise<TestPostgres> {
  const name = `mc_t_${inject("runId")}_${randomBytes(4).toString("hex")}`;
  const template = options.empty ? "template0" : inject("pgTemplate");
  await withAdmin((sql) => sql.unsafe(`create database ${name} template ${template}`));
  const url = databaseUrl(name);
  const db = openPostgres(url, { max: options.max });
  let dropped = false;
  return {
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.close().catch(() => {});
      await withAdmin((sql) => dropDatabase(sql, name));
    },
  };
}

let dump: Promise<Buffer> | undefined;

/** An in-memory PGlite loaded from the migrated dump; `empty: true` gives an unmigrated one. */
export async function createTestPglite(options: { empty?: boolean } = {}): Promise<SqlDatabase> {
  if (options.empty) return openPglite();
  dump ??= readFile(inject("pgliteDump"));
  return openPglite({ loadDataDir: new Blob([new Uint8Array(await dump)]) });
}

export type Transport = "postgres" | "pglite";
export const TRANSPORTS: Transport[] = ["postgres", "pglite"];

/** Opens a migrated database of either kind; `close` also drops PostgreSQL's. */
export async function openTestDatabase(
  kind: Transport,
  options: { empty?: boolean } = {},
): Promise<{ db: SqlDatabase; url?: string; close(): Promise<void> }> {
  if (kind === "postgres") {
    const pg = await createTestPostgres(options);
    return { db: pg.db, url: pg.url, close: pg.drop };
  }
  const db = await createTestPglite(options);
  return { db, close: () => db.close() };
}

/**
 * One database for the enclosing describe block: opened in beforeAll, closed
 * in afterAll. Read it through the returned getter inside tests.
 */
export function useTestDatabase(kind: Transport): () => SqlDatabase {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return () => {
    if (!opened) throw new Error("the test database is not open yet");
    return opened.db;
  };
}
