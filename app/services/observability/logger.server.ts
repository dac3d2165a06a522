import pino from "pino";
import { forwardLoggedError } from "./error-sink.server";

// One JSON line per entry on stdout, in the roadmap's shape for journald + jq:
//   {"timestamp":"2025-01-01T12:00:00.000Z","level":"info","event":"task.state_changed",
//    "data":{"request_id":"…","task_id":"…","from":"inbox","to":"assigned","msg":"task moved"}}
// Call sites log as pino has them do, `log.info({ event, ...fields }, msg)`,
// and child loggers bind fields (`request_id` in request-context.server.ts);
// the destination below moves everything but the four keys into `data`.
// No transports: they break inside the bundle.

export type Logger = pino.Logger;

/** One log line as written. */
export interface LogLine {
  /** ISO 8601, UTC. */
  timestamp: string;
  /** trace, debug, info, warn, error or fatal. */
  level: string;
  /** What happened, dotted (`heartbeat.run`); "log" for the rare line that names none. */
  event: string;
  /** The request id (when there is one) first, then the line's fields; the message as `msg`. */
  data: Record<string, unknown>;
}

/** Where shaped lines go: stdout by default, memory in tests. */
export interface LogDestination {
  write(line: string): unknown;
}

/** The roadmap's shape of one entry as pino builds it ({level, timestamp, …bindings, …fields, msg}). */
export function toLogLine(entry: Record<string, unknown>): LogLine {
  const { timestamp, level, event, request_id, ...rest } = entry;
  return {
    timestamp: String(timestamp),
    level: String(level),
    event: typeof event === "string" && event !== "" ? event : "log",
    data: request_id === undefined ? rest : { request_id, ...rest },
  };
}

/** `toLogLine` on one serialized line (newline kept); anything that is not a JSON object passes unchanged. */
export function shapeLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) return line;
  return `${JSON.stringify(toLogLine(entry as Record<string, unknown>))}\n`;
}

export function createLogger(level: string, destination: LogDestination = pino.destination(1)): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: "msg",
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
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
    },
    shapedDestination(destination),
  );
}

// pino writes each entry whole, once, with its newline: reshape it on the way
// out. Flushing is passed on so pino.final and exit handlers still work.
function shapedDestination(out: LogDestination): pino.DestinationStream {
  const stream: pino.DestinationStream & { flushSync?: () => void; flush?: (cb?: () => void) => void } = {
    write: (line: string) => void out.write(shapeLogLine(line)),
  };
  const inner = out as { flushSync?: () => void; flush?: (cb?: () => void) => void };
  if (typeof inner.flushSync === "function") stream.flushSync = () => inner.flushSync!();
  if (typeof inner.flush === "function") stream.flush = (cb) => inner.flush!(cb);
  return stream;
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
