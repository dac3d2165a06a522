import pino from "pino";
import { forwardLoggedError } from "./error-sink.server";

// JSON lines to stdout ({time, level, event, msg, …}) for journald + jq.
// No transports: they break inside the bundle.

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ["token", "password", "*.token", "*.password", "headers.authorization", "headers.cookie"], censor: "[redacted]" },
    serializers: { err: serializeError },
    hooks: {
      // Errors with an exception also go to error reporting when it is on (error-sink.server.ts).
      logMethod(args, method, level) {
        if (level >= 50) forwardLoggedError(() => this.bindings(), args);
        return method.apply(this, args);
      },
    },
  });
}

// What an error line may carry: what went wrong and where, never the data it
// was working on. Database errors are the reason for an allow-list: PGlite
// attaches the statement and its parameters (`query`, `params`), postgres.js
// `query`/`parameters`/`args`, and PostgreSQL's `detail` and `where` can
// quote row values (a password hash, an email).
const ERROR_FIELDS = [
  "code",
  "errno",
  "syscall",
  "status",
  "severity",
  "routine",
  "constraint",
  "constraint_name",
  "table",
  "table_name",
  "column",
  "column_name",
  "schema",
  "schema_name",
  "hint",
] as const;

/** pino's `err` serializer: type, message, stack, the fields above, and the same for causes. */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error).slice(0, 500) };
  const out: Record<string, unknown> = { type: error.constructor?.name ?? "Error", message: error.message, stack: error.stack };
  const fields = error as unknown as Record<string, unknown>;
  for (const name of ERROR_FIELDS) {
    const value = fields[name];
    if (typeof value === "string" || typeof value === "number") out[name] = value;
  }
  if (depth < 4) {
    if (error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError) out.errors = error.errors.slice(0, 10).map((e: unknown) => serializeError(e, depth + 1));
  }
  return out;
}

/** Removes secrets from a URL before it is logged (?token=… and friends). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|api_key|key|secret)=)[^&#]*/gi, "$1[redacted]");
}
