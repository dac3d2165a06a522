import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openPglite } from "#app/db/pglite.server";
import { openPostgres } from "#app/db/postgres.server";
import type { SqlDatabase } from "#app/db/types";
import { setUpAdmin, type FormClient } from "#tests/support/http-client";
import { type AppServer, startApp } from "./app-server";
import { PG_ADMIN_URL } from "./config";

// One bench database per scenario: a fresh PGlite data dir, or a fresh
// PostgreSQL database created (and dropped) on the local server. Seeding goes
// straight to SQL; the embedded database has one owner, so the app is stopped
// while the bench opens its data dir.

export type Kind = "pglite" | "postgres";

export interface BenchDb {
  kind: Kind;
  dataDir: string;
  databaseUrl?: string;
  /** A direct connection (on PGlite only while no server holds the data dir). */
  withDb<T>(fn: (db: SqlDatabase) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), "mc-bench-"));
export const LOG_DIR = tmpRoot;

export async function createBenchDb(kind: Kind, name: string): Promise<BenchDb> {
  const dataDir = mkdtempSync(path.join(tmpRoot, `${name}-`));
  if (kind === "pglite") {
    return {
      kind,
      dataDir,
      async withDb(fn) {
        const db = await openPglite({ dataDir });
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const dbName = `mc_bench_${name.replace(/\W/g, "_")}_${process.pid}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  return {
    kind,
    dataDir,
    databaseUrl,
    async withDb(fn) {
      const db = openPostgres(databaseUrl, { max: 4 });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async drop() {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${dbName} with (force)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Fixture<S> {
  db: BenchDb;
  app: AppServer;
  client: FormClient;
  seeded: S;
  /** Stops the app, reseeds through `fn`, starts it again (PGlite needs the data dir to itself). */
  reseed<T>(fn: (db: SqlDatabase) => Promise<T>): Promise<T>;
  /** Counts on a direct connection (on PGlite the app is stopped for it and started again). */
  count(text: string, params?: unknown[]): Promise<number>;
  /** Stops the app and starts a fresh process on the same port and database (same secrets, so the session stays valid). */
  restart(): Promise<AppServer>;
  close(): Promise<void>;
}

/** A migrated database with an admin signed in, seeded, and the app running on it. */
export async function prepare<S>(kind: Kind, name: string, seed: (db: SqlDatabase) => Promise<S>, env: Record<string, string> = {}): Promise<Fixture<S>> {
  const db = await createBenchDb(kind, name);
  let port: number | undefined;
  const start = async () => {
    const started = await startApp({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env, logDir: LOG_DIR, port });
    port = started.port;
    return started;
  };
  let app = await start();
  const client = await setUpAdmin(app.url, app.setupUrl()!);
  const reseed = async <T>(fn: (d: SqlDatabase) => Promise<T>): Promise<T> => {
    if (kind === "postgres") return db.withDb(fn);
    await app.stop();
    const out = await db.withDb(fn);
    app = await start();
    fixture.app = app;
    return out;
  };
  const fixture: Fixture<S> = {
    db,
    app,
    client,
    seeded: undefined as S,
    reseed,
    async count(text, params = []) {
      return reseed(async (d) => Number((await d.session((s) => s.query<{ n: number | string }>(text, params)))[0]?.n ?? 0));
    },
    async restart() {
      await fixture.app.stop();
      app = await start();
      fixture.app = app;
      return app;
    },
    async close() {
      await fixture.app.stop();
      await db.drop();
    },
  };
  fixture.seeded = await reseed(seed);
  return fixture;
}

export function cleanupTmp(): void {
  rmSync(tmpRoot, { recursive: true, force: true });
}
