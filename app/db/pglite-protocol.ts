// The messages between the main thread (app/db/pglite.server.ts) and the
// thread that runs the embedded database (app/db/pglite-worker.ts). Types only:
// the worker runs from TypeScript source under Node's type stripping, so it
// imports nothing from here at run time.

/** What the worker is started with (workerData). */
export interface PgliteWorkerData {
  /** DATA_DIR/pgdata; absent for an in-memory database. The lock is the main thread's. */
  pgdata?: string;
  /** A dump (dumpDataDir, gzip) to start from; its buffer is transferred. */
  load?: Uint8Array;
}

export type PgliteRequest =
  | { id: number; op: "query"; text: string; params: unknown[] }
  | { id: number; op: "exec"; text: string }
  /** One statement whose single column `r` (of the first row) is the result. */
  | { id: number; op: "rpc"; text: string; params: unknown[] }
  | { id: number; op: "listen"; channel: string; listener: number }
  | { id: number; op: "unlisten"; listener: number }
  /** A gzip tarball of the data dir. */
  | { id: number; op: "dump" }
  | { id: number; op: "close" };

/** A PostgreSQL error as plain data: message plus every string or number field PGlite set (code, detail, hint, constraint…). */
export interface SerializedError {
  message: string;
  name: string;
  stack?: string;
  fields: Record<string, string | number>;
}

export type PgliteReply =
  | { type: "ready" }
  | { type: "failed"; error: SerializedError }
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "notification"; listener: number; payload: string };
