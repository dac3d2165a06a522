// Where logged errors go besides stdout. The logger (logger.server.ts) hands
// every error/fatal line that carries an exception here; error reporting
// (error-reporting.server.ts) installs the sink when SENTRY_DSN is set. Kept
// apart so the logger never loads an error-reporting SDK.

export interface LoggedError {
  err: unknown;
  /** The line's fields (child-logger bindings such as request_id included), without `err`. */
  fields: Record<string, unknown>;
  msg: string | undefined;
}

export type ErrorSink = (entry: LoggedError) => void;

const KEY = Symbol.for("mission-control.error-sink");
type Holder = { [KEY]?: ErrorSink };
const holder = globalThis as Holder;

export function setErrorSink(sink: ErrorSink | null): void {
  if (sink) holder[KEY] = sink;
  else delete holder[KEY];
}

/** Called by the logger for lines at level error or above. Never throws. */
export function forwardLoggedError(bindings: () => Record<string, unknown>, args: unknown[]): void {
  const sink = holder[KEY];
  if (!sink) return;
  try {
    const [first, second] = args;
    let err: unknown;
    let fields: Record<string, unknown> = {};
    if (first instanceof Error) err = first;
    else if (first && typeof first === "object" && "err" in first) {
      const { err: e, ...rest } = first as Record<string, unknown>;
      err = e;
      fields = rest;
    }
    if (!err) return;
    sink({ err, fields: { ...bindings(), ...fields }, msg: typeof second === "string" ? second : undefined });
  } catch {
    // Reporting must never break logging.
  }
}
