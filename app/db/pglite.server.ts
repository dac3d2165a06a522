import { mkdirSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.server";
import { toAppError } from "./errors.server";
import type { PgliteReply, PgliteRequest, PgliteWorkerData, SerializedError } from "./pglite-protocol";
import { rpcStatement } from "./rpc-sql";
import type { RpcArgs, SqlDatabase, SqlSession } from "./types";

// The embedded default: PostgreSQL compiled to wasm, in DATA_DIR/pgdata.
// One process at a time (lock file); LISTEN/NOTIFY works within the process.
// PGlite runs on a thread of its own (app/db/pglite-worker.ts, decision 057),
// so the database and the HTTP event loop use a core each.

export interface PgliteOptions {
  /** Directory holding pgdata/ and the lock; omit for an in-memory database (tests). */
  dataDir?: string;
  /** A dump (from dumpDataDir) to start from: tests load a migrated template. */
  loadDataDir?: Blob;
  /**
   * Called once if the database's thread dies while open (every pending and
   * later call then rejects). Default: written to stderr.
   */
  onWorkerExit?: (error: Error) => void;
}

export interface PgliteDatabase extends SqlDatabase {
  readonly kind: "pglite";
  /** The whole data dir as a gzip tarball (a backup, or a template to load). */
  dumpDataDir(): Promise<Uint8Array>;
}

/** The error a PGlite call failed with, rebuilt on this thread with PostgreSQL's fields (code, detail, hint, constraint…). */
function toError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.fields);
  if (serialized.name !== "Error") error.name = serialized.name;
  return error;
}

/** The worker's file: the built one next to the bundle, or the TypeScript source next to this file. */
function workerUrl(): URL {
  // A variable, not a literal: the bundler must leave the URL alone.
  const file = import.meta.url.endsWith(".ts") ? "./pglite-worker.ts" : "./pglite-worker.js";
  return new URL(file, import.meta.url);
}

const workers = new WeakMap<object, Worker>();

type Call = PgliteRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;
type Result = Extract<PgliteReply, { type: "result" }>;

/** The thread behind an open embedded database (tests of its failure path). */
export function pgliteWorkerOf(db: object): Worker | undefined {
  return workers.get(db);
}

export async function openPglite(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  let lock: DataDirLock | undefined;
  const data: PgliteWorkerData = {};
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    lock = acquireDataDirLock(options.dataDir);
    data.pgdata = path.join(options.dataDir, "pgdata");
  }
  let worker: Worker;
  try {
    if (options.loadDataDir) data.load = new Uint8Array(await options.loadDataDir.arrayBuffer());
    worker = new Worker(workerUrl(), { workerData: data, transferList: data.load ? [data.load.buffer as ArrayBuffer] : [] });
  } catch (error) {
    lock?.release();
    throw error;
  }

  const pending = new Map<number, { resolve: (reply: Result) => void; reject: (error: Error) => void }>();
  const listeners = new Map<number, (payload: string) => void>();
  let nextId = 1;
  let opened = false;
  let closing = false;
  /** Why calls fail from now on: the worker died, or the database was closed. */
  let gone: Error | undefined;
  let exited!: Promise<void>;

  const ready = new Promise<void>((resolve, reject) => {
    exited = new Promise<void>((resolveExit) => {
      worker.on("message", (reply: PgliteReply) => {
        switch (reply.type) {
          case "ready":
            return resolve();
          case "failed":
            return reject(toError(reply.error));
          case "notification":
            return listeners.get(reply.listener)?.(reply.payload);
          case "result":
          case "error": {
            const call = pending.get(reply.id);
            pending.delete(reply.id);
            // Idle, the thread does not keep the process alive (PGlite on the main thread did not either).
            if (pending.size === 0 && !closing) worker.unref();
            if (reply.type === "error") call?.reject(toError(reply.error));
            else call?.resolve(reply);
          }
        }
      });
      let crash: Error | undefined;
      worker.on("error", (error) => {
        crash = error;
      });
      worker.on("exit", (code) => {
        const error = new Error(
          `the embedded database's thread stopped (exit code ${code}${crash ? `: ${crash.message}` : ""}); restart the service`,
          crash ? { cause: crash } : undefined,
        );
        gone ??= error;
        for (const call of pending.values()) call.reject(error);
        pending.clear();
        reject(error);
        if (opened && !closing) (options.onWorkerExit ?? ((e: Error) => process.stderr.write(`${e.message}\n`)))(error);
        resolveExit();
      });
    });
  });
  try {
    await ready;
  } catch (error) {
    await exited;
    lock?.release();
    throw error;
  }
  opened = true;
  worker.unref();

  function call(request: Call): Promise<Result> {
    if (gone) return Promise.reject(gone);
    if (closing && request.op !== "close") return Promise.reject(new Error("the embedded database is closing"));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }
  const value = async <T>(request: Call) => (await call(request)).value as T;

  let sessions: Promise<void> = Promise.resolve();
  const session: SqlSession = {
    query: <R>(text: string, params: unknown[] = []) => value<R[]>({ op: "query", text, params }),
    exec: async (text) => {
      await call({ op: "exec", text });
    },
  };
  let nextListener = 1;

  const db: PgliteDatabase = {
    kind: "pglite",
    async rpc<T>(fn: string, args?: RpcArgs): Promise<T> {
      const { text, params } = rpcStatement(fn, args);
      try {
        return (await call({ op: "rpc", text, params })).value as T;
      } catch (error) {
        throw toAppError(error);
      }
    },
    async listen(channel, onMessage) {
      const listener = nextListener++;
      listeners.set(listener, onMessage);
      try {
        await call({ op: "listen", channel, listener });
      } catch (error) {
        listeners.delete(listener);
        throw error;
      }
      return async () => {
        if (!listeners.delete(listener) || gone || closing) return;
        await call({ op: "unlisten", listener });
      };
    },
    async notify(channel, payload) {
      await call({ op: "query", text: "select pg_notify($1, $2)", params: [channel, payload] });
    },
    async ping() {
      await call({ op: "query", text: "select 1", params: [] });
    },
    async dumpDataDir() {
      return value<Uint8Array>({ op: "dump" });
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
      if (closing) return exited;
      closing = true;
      try {
        if (!gone) await call({ op: "close" });
        gone ??= new Error("the embedded database is closed");
      } catch (error) {
        await worker.terminate();
        throw error;
      } finally {
        await exited;
        lock?.release();
      }
    },
  };
  workers.set(db, worker);
  return db;
}
