// The one data interface every transport implements. App code calls SQL
// functions by name (rpc) so the Supabase transport can map them to .rpc().

export type RpcArgs = Record<string, unknown>;

export interface Database {
  readonly kind: "pglite" | "postgres" | "supabase";
  /**
   * How often the event bus should poll `events` by seq as a safety net. Set by
   * transports without NOTIFY (Supabase over HTTP), where polling is the only feed.
   */
  readonly pollIntervalMs?: number;
  /** Calls the SQL function `fn` with named arguments and returns its jsonb result. */
  rpc<T = unknown>(fn: string, args?: RpcArgs): Promise<T>;
  /** Subscribes to NOTIFY on a channel; returns the unsubscribe function (a no-op where there is no NOTIFY). */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends NOTIFY on a channel outside any write, without waiting for the disk (a no-op where there is no NOTIFY). */
  notify(channel: string, payload: string): Promise<void>;
  /** A trivial round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A single connection, for migrations and tests: plain SQL with no rpc mapping. */
export interface SqlSession {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements. */
  exec(text: string): Promise<void>;
}

/** What the migration runner and the test harness need beyond `Database`. */
export interface SqlDatabase extends Database {
  /** Runs `fn` on one dedicated connection (advisory locks are per connection). */
  session<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** What the runtime holds: every transport has rpc; only SQL transports have sessions. */
export type RuntimeDatabase = Database & Partial<Pick<SqlDatabase, "session">>;
