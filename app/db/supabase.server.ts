import { createClient } from "@supabase/supabase-js";
import { AppError } from "#app/domain/errors";
import { toAppError } from "./errors.server";
import type { Database, RpcArgs } from "./types";

// A hosted Supabase project over HTTP (PostgREST through supabase-js), for
// hosts that cannot reach the project's Postgres port. It implements the data
// interface with `.rpc()` only: no sessions (so no migrations, advisory locks
// or LISTEN/NOTIFY). The event bus polls `events` by seq instead of listening,
// the heartbeat takes a lease row instead of an advisory lock, and
// `supabase db push` owns the schema. See docs/SUPABASE.md.

export interface SupabaseOptions {
  /** The project URL, e.g. https://<ref>.supabase.co */
  url: string;
  /** The service-role key: server-side only, it bypasses row-level security. */
  serviceRoleKey: string;
  /** How often the event bus polls for new events (no NOTIFY over HTTP). */
  pollIntervalMs?: number;
}

/** A PostgREST error as supabase-js reports it (`{ code, message, details, hint }`), kept as an Error. */
export class SupabaseRpcError extends Error {
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  constructor(fn: string, error: { code?: string; message?: string; details?: string | null; hint?: string | null }) {
    super(`${fn}: ${error.message ?? "request failed"}`);
    this.name = "SupabaseRpcError";
    this.code = error.code ?? "";
    this.details = error.details ?? null;
    this.hint = error.hint ?? null;
  }
}

export const SUPABASE_POLL_MS = 1_000;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function openSupabase(options: SupabaseOptions): Database {
  const client = createClient(options.url, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });

  async function rpc<T>(fn: string, args: RpcArgs = {}): Promise<T> {
    if (!IDENT.test(fn)) throw new Error(`invalid function name: ${fn}`);
    const { data, error } = await client.rpc(fn, encodeArgs(args));
    if (error) throw fromPostgrestError(fn, error);
    return (data ?? null) as T;
  }

  return {
    kind: "supabase",
    pollIntervalMs: options.pollIntervalMs ?? SUPABASE_POLL_MS,
    rpc,
    // No NOTIFY over HTTP: the event bus's poll is the feed.
    async listen() {
      return async () => {};
    },
    async notify() {},
    async ping() {
      await rpc("ping");
    },
    async close() {},
  };
}

/**
 * Named arguments as a JSON object, meaning the same as on the SQL transports:
 * undefined is left out (the SQL default applies), null stays null, booleans
 * and numbers stay JSON scalars, objects and arrays go as JSON (jsonb
 * parameters), Dates as ISO strings.
 */
export function encodeArgs(args: RpcArgs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (!IDENT.test(name)) throw new Error(`invalid argument name: ${name}`);
    out[name] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/**
 * PostgREST passes PostgreSQL's SQLSTATE, message, detail and hint through;
 * the same mapping as the SQL transports applies (P0001 + hint → AppError with
 * the JSON detail, 23505 → conflict, …). PostgREST has no separate constraint
 * field, so the name is read from the message, as PostgreSQL words it.
 */
export function fromPostgrestError(fn: string, error: { code?: string; message?: string; details?: string | null; hint?: string | null }): unknown {
  const constraint = /constraint "([^"]+)"/.exec(error.message ?? "")?.[1];
  const mapped = toAppError({
    code: error.code,
    message: error.message,
    detail: error.details ?? undefined,
    hint: error.hint ?? undefined,
    constraint,
  });
  return mapped instanceof AppError ? mapped : new SupabaseRpcError(fn, error);
}
