import type { Env } from "#app/env.server";
import { setErrorSink } from "./error-sink.server";
import type { Logger } from "./logger.server";
import { redactUrl } from "./logger.server";
import { activeTraceId } from "./telemetry.server";

// Sentry error capture, on only when SENTRY_DSN is set. What is reported:
// every error-level log line that carries an exception (the `event: "error"`
// paths: unhandled request errors, API handler 500s, the request middleware,
// background failures in the runtime), tagged with its request id and trace
// id. The SDK runs without its default integrations: those patch modules
// (http, fetch, console, …) and install process handlers, which a bundle
// cannot support and we do not want (docs/decisions/007). No request data is
// attached, and beforeSend scrubs credentials from whatever an event carries.

type SentryModule = typeof import("@sentry/node");

const KEY = Symbol.for("mission-control.sentry");
type Holder = { [KEY]?: SentryModule };
const holder = globalThis as Holder;

/** Fields of a log line that may travel with a report (ids and short words, never payloads). */
const SAFE_FIELDS = ["event", "run_id", "task_id", "agent_id", "workspace_id", "method", "reason", "url", "path", "status"];

export async function startErrorReporting(env: Pick<Env, "SENTRY_DSN" | "SENTRY_ENVIRONMENT" | "NODE_ENV">, log: Logger): Promise<boolean> {
  if (!env.SENTRY_DSN || holder[KEY]) return false;
  const Sentry = await import("@sentry/node");
  Sentry.init({
    dsn: env.SENTRY_DSN,
    environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV,
    release: __APP_VERSION__,
    // Only integrations that patch nothing: filtering, error causes, dedupe, runtime context.
    defaultIntegrations: false,
    integrations: [
      Sentry.eventFiltersIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.nodeContextIntegration(),
    ],
    sendClientReports: false,
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: () => null,
  });
  holder[KEY] = Sentry;
  setErrorSink(({ err, fields, msg }) => {
    Sentry.withScope((scope) => {
      if (typeof fields.request_id === "string") scope.setTag("request_id", fields.request_id);
      scope.setTag("event", typeof fields.event === "string" ? fields.event : "error");
      const traceId = activeTraceId();
      if (traceId) scope.setTag("trace_id", traceId);
      const extra: Record<string, unknown> = {};
      for (const name of SAFE_FIELDS) {
        const value = fields[name];
        if (value === undefined || value === null) continue;
        extra[name] = typeof value === "string" ? redactUrl(value) : value;
      }
      if (msg) extra.msg = msg;
      scope.setExtras(extra);
      Sentry.captureException(err);
    });
  });
  log.info({ event: "error_reporting.started", environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV }, "reporting errors to Sentry");
  return true;
}

/** Sends what is queued (bounded wait) and stops reporting; the shutdown path awaits it. */
export async function stopErrorReporting(timeoutMs = 2000): Promise<void> {
  const Sentry = holder[KEY];
  if (!Sentry) return;
  setErrorSink(null);
  delete holder[KEY];
  await Sentry.close(timeoutMs).catch(() => false);
}

const SECRET_HEADERS = /^(authorization|cookie|set-cookie|proxy-authorization|x-mc-|x-api-key)/i;

interface ScrubbableEvent {
  request?: { headers?: Record<string, string>; cookies?: unknown; query_string?: unknown; url?: string; data?: unknown };
  extra?: Record<string, unknown>;
  breadcrumbs?: unknown;
}

/** Drops credentials from an event: auth/cookie headers, ?token= and friends, request bodies. */
export function scrubEvent<E extends ScrubbableEvent>(event: E): E {
  const request = event.request;
  if (request) {
    if (request.headers) {
      for (const name of Object.keys(request.headers)) if (SECRET_HEADERS.test(name)) request.headers[name] = "[redacted]";
    }
    delete request.cookies;
    delete request.data;
    if (typeof request.url === "string") request.url = redactUrl(request.url);
    if (typeof request.query_string === "string") request.query_string = redactUrl(`?${request.query_string}`).slice(1);
    else if (request.query_string) delete request.query_string;
  }
  if (event.extra) {
    for (const [key, value] of Object.entries(event.extra)) if (typeof value === "string") event.extra[key] = redactUrl(value);
  }
  delete event.breadcrumbs;
  return event;
}
