import type postgres from "postgres";

// Admin access to the PostgreSQL server tests run against: any database on it
// works as the entry point; test databases are created beside it.

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";

export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_URL;
}

/** The admin URL pointing at another database on the same server. */
export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

const SAFE_NAME = /^mc_[a-z0-9_]+$/;

/** Drops a test database even while clients are still connected to it. */
export async function dropDatabase(sql: postgres.Sql, name: string): Promise<void> {
  if (!SAFE_NAME.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
  await sql.unsafe(`drop database if exists ${name} with (force)`);
}
