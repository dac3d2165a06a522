import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from "@opentelemetry/semantic-conventions";
import { observeHttpRequest } from "./metrics.server";
import { type ManifestRoute, createRouteLabeler } from "../http/route-label.server";
import { failSpan, tracer, tracingEnabled } from "./telemetry.server";

// Per-request observation for the production server (server/index.ts): one
// SERVER span per request, made active around the handler so database and
// gateway spans nest under it, and the latency histogram by route pattern.

export interface RequestObservation {
  /** Runs the handler with the request's span active (when tracing is on). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** The request goes to React Router (not to the static file handler): label it by route. */
  routed(): void;
  fail(error: unknown): void;
  /** The response finished (`completed`) or the connection closed first. Records once. */
  finish(status: number, seconds: number, completed: boolean): void;
}

export function createHttpObserver(manifest: Record<string, ManifestRoute | undefined>) {
  const label = createRouteLabeler(manifest);
  return {
    start(method: string | undefined, url: string | undefined, requestId: string): RequestObservation {
      const verb = (method ?? "GET").toUpperCase();
      const path = pathOf(url);
      let isRouted = false;
      let done = false;
      let failed = false;
      const span = tracingEnabled()
        ? tracer().startSpan(verb, {
            kind: SpanKind.SERVER,
            attributes: { [ATTR_HTTP_REQUEST_METHOD]: verb, [ATTR_URL_PATH]: path, "mc.request_id": requestId },
          })
        : null;
      const ctx = span ? trace.setSpan(context.active(), span) : null;
      return {
        run: (fn) => (ctx ? context.with(ctx, fn) : fn()),
        routed() {
          isRouted = true;
        },
        fail(error) {
          failed = true;
          if (span) failSpan(span, error);
        },
        finish(status, seconds, completed) {
          if (done) return;
          done = true;
          const route = isRouted ? label(path) : "static";
          if (completed) observeHttpRequest(verb, route, status, seconds);
          if (!span) return;
          span.updateName(`${verb} ${route}`);
          span.setAttributes({ [ATTR_HTTP_ROUTE]: route, [ATTR_HTTP_RESPONSE_STATUS_CODE]: status });
          if (!completed) span.setAttribute("mc.aborted", true);
          if (status >= 500 && !failed) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.search(/[?#]/);
  return q === -1 ? raw : raw.slice(0, q);
}
