import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { openPostgres } from "#app/db/postgres.server";
import { openSupabase } from "#app/db/supabase.server";
import type { SqlDatabase } from "#app/db/types";
import { adminUrl, databaseUrl, dropDatabase } from "./admin";
import { type PostgrestRpcServer, startPostgrestRpc } from "./postgrest-rpc";

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

export type Transport = "postgres" | "pglite" | "supabase";
/** The SQL transports: everything, migrations included. */
export const TRANSPORTS: Transport[] = ["postgres", "pglite"];
/** Every transport, for suites that go through rpc only (plus SQL for set-up and assertions). */
export const RPC_TRANSPORTS: Transport[] = [...TRANSPORTS, "supabase"];

export interface TestSupabase {
  /** supabase-js → the loopback PostgREST stand-in → a migrated PostgreSQL test database. */
  db: SqlDatabase;
  pg: TestPostgres;
  rest: PostgrestRpcServer;
  close(): Promise<void>;
}

/**
 * The Supabase HTTP transport over a migrated PostgreSQL test database. `rpc`
 * goes through openSupabase and the loopback PostgREST stand-in; `session`
 * goes to PostgreSQL directly, for the SQL that tests use to set up and
 * assert (the transport itself has none); `listen` is the transport's no-op.
 */
export async function createTestSupabase(): Promise<TestSupabase> {
  const pg = await createTestPostgres();
  const key = `test-service-role-${randomBytes(8).toString("hex")}`;
  let rest: PostgrestRpcServer;
  try {
    rest = await startPostgrestRpc({ databaseUrl: pg.url, key });
  } catch (error) {
    await pg.drop();
    throw error;
  }
  const http = openSupabase({ url: rest.url, serviceRoleKey: key });
  const db: SqlDatabase = { ...http, kind: http.kind, pollIntervalMs: http.pollIntervalMs, session: (fn) => pg.db.session(fn) };
  return {
    db,
    pg,
    rest,
    async close() {
      await http.close();
      await rest.close();
      await pg.drop();
    },
  };
}

/** Opens a migrated database of any kind; `close` also drops PostgreSQL's. */
export async function openTestDatabase(kind: Transport, options: { empty?: boolean } = {}): Promise<{ db: SqlDatabase; url?: string; close(): Promise<void> }> {
  if (kind === "supabase") {
    if (options.empty) throw new Error("the supabase transport cannot migrate: open an empty postgres database instead");
    const sb = await createTestSupabase();
    return { db: sb.db, url: sb.pg.url, close: sb.close };
  }
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
