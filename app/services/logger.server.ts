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
    hooks: {
      // Errors with an exception also go to error reporting when it is on (error-sink.server.ts).
      logMethod(args, method, level) {
        if (level >= 50) forwardLoggedError(() => this.bindings(), args);
        return method.apply(this, args);
      },
    },
  });
}

/** Removes secrets from a URL before it is logged (?token=… and friends). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|api_key|key|secret)=)[^&#]*/gi, "$1[redacted]");
}
