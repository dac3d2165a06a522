import { trace } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from "@opentelemetry/semantic-conventions";
import { SpanKind, withSpan } from "#app/services/observability/telemetry.server";
import type { Database, RpcArgs } from "./types";

// Wraps any transport: every rpc made inside a request or job becomes a
// `db.rpc <fn>` client span, a child of that span (none without a parent), and
// calls in flight are counted for the mc_db_pool_in_flight gauge. Everything
// else passes through untouched, so transports can grow members freely.

let inFlight = 0;

/** rpc calls and sessions currently running, across every database opened here. */
export function dbInFlight(): number {
  return inFlight;
}

export function traced<T extends Database>(db: T): T {
  const rpc = db.rpc.bind(db);
  const session = (db as { session?: (fn: (s: unknown) => Promise<unknown>) => Promise<unknown> }).session?.bind(db);
  const overrides: Record<string, unknown> = {
    async rpc<R>(fn: string, args?: RpcArgs): Promise<R> {
      inFlight++;
      try {
        // Only inside a request or job: background polling (the event bus) would be all noise as root spans.
        if (!trace.getActiveSpan()) return await rpc<R>(fn, args);
        return await withSpan(
          `db.rpc ${fn}`,
          {
            kind: SpanKind.CLIENT,
            attributes: { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL, [ATTR_DB_OPERATION_NAME]: fn, "db.transport": db.kind },
          },
          () => rpc<R>(fn, args),
        );
      } finally {
        inFlight--;
      }
    },
  };
  if (session) {
    overrides.session = async (fn: (s: unknown) => Promise<unknown>) => {
      inFlight++;
      try {
        return await session(fn);
      } finally {
        inFlight--;
      }
    };
  }
  return new Proxy(db, {
    get(target, prop) {
      if (typeof prop === "string" && Object.hasOwn(overrides, prop)) return overrides[prop];
      return Reflect.get(target, prop) as unknown;
    },
  });
}
