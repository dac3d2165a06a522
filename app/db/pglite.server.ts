import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.server";
import { toAppError } from "./errors.server";
import { rpcStatement } from "./rpc-sql";
import type { RpcArgs, SqlDatabase, SqlSession } from "./types";

// The embedded default: PostgreSQL compiled to wasm, in DATA_DIR/pgdata.
// One process at a time (lock file); LISTEN/NOTIFY works within the process.

export interface PgliteOptions {
  /** Directory holding pgdata/ and the lock; omit for an in-memory database (tests). */
  dataDir?: string;
  /** A dump (from dumpDataDir) to start from: tests load a migrated template. */
  loadDataDir?: Blob;
}

export async function openPglite(options: PgliteOptions = {}): Promise<SqlDatabase & { pglite: PGlite }> {
  let lock: DataDirLock | undefined;
  let dataDir: string | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    lock = acquireDataDirLock(options.dataDir);
    dataDir = path.join(options.dataDir, "pgdata");
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir, loadDataDir: options.loadDataDir });
  } catch (error) {
    lock?.release();
    throw error;
  }

  let sessions: Promise<void> = Promise.resolve();
  const session: SqlSession = {
    query: async <R>(text: string, params: unknown[] = []) => (await pg.query<R>(text, params)).rows,
    exec: async (text) => {
      await pg.exec(text);
    },
  };

  return {
    kind: "pglite",
    pglite: pg,
    async rpc<T>(fn: string, args?: RpcArgs): Promise<T> {
      const { text, params } = rpcStatement(fn, args);
      try {
        const result = await pg.query<{ r: T }>(text, params);
        return (result.rows[0]?.r ?? null) as T;
      } catch (error) {
        throw toAppError(error);
      }
    },
    async listen(channel, onMessage) {
      return pg.listen(channel, onMessage);
    },
    async notify(channel, payload) {
      await pg.query("select pg_notify($1, $2)", [channel, payload]);
    },
    async ping() {
      await pg.query("select 1");
    },
    // One connection: sessions (migrations, tests) take turns so their
    // begin/commit and advisory locks never interleave.
    async session(fn) {
      const turn = sessions.then(() => fn(session));
      sessions = turn.then(
        () => {},
        () => {},
      );
      return turn;
    },
    async close() {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
