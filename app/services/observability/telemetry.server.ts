import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { Env } from "#app/env.server";
import type { Logger } from "./logger.server";

// OpenTelemetry traces, exported over OTLP/HTTP (JSON) when
// OTEL_EXPORTER_OTLP_ENDPOINT is set. Spans are made explicitly (one server
// span per HTTP request, SQL calls, dispatch, heartbeat runs, gateway
// requests): no auto-instrumentation, which patches modules at load time and
// cannot see inside a bundle (docs/decisions/007). Unset, every helper here
// runs the wrapped function directly and the API's tracer stays a no-op.

export { SpanKind };

const TRACER = "mission-control";

interface Provider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const KEY = Symbol.for("mission-control.telemetry");
type Holder = { [KEY]?: Provider };
const holder = globalThis as Holder;

export function tracingEnabled(): boolean {
  return holder[KEY] !== undefined;
}

/** Where the exporter posts: the generic OTLP endpoint plus /v1/traces (as the OTLP spec says). */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, "");
  return base.endsWith("/v1/traces") ? base : `${base}/v1/traces`;
}

/**
 * Registers the global tracer provider (batching, OTLP/HTTP JSON exporter) and
 * an AsyncLocalStorage context manager so spans started inside a request nest
 * under it. The SDK is loaded only when tracing is on.
 */
export async function startTelemetry(env: Pick<Env, "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_SERVICE_NAME">, log: Logger): Promise<boolean> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || holder[KEY]) return false;
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { AsyncLocalStorageContextManager }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/context-async-hooks"),
  ]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const url = tracesUrl(endpoint);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME,
      [ATTR_SERVICE_VERSION]: __APP_VERSION__,
    }),
    // Batched, sent at most a second after a span ends; flushed on shutdown.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  holder[KEY] = provider;
  log.info({ event: "telemetry.started", url: redactEndpoint(url), service: env.OTEL_SERVICE_NAME }, "exporting traces over OTLP");
  return true;
}

/**
 * Flushes buffered spans and stops the exporter (the shutdown path awaits it).
 * Bounded: an unreachable collector (the exporter retries) must not hold up a restart.
 */
export async function stopTelemetry(timeoutMs = 3000): Promise<void> {
  const provider = holder[KEY];
  if (!provider) return;
  delete holder[KEY];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  const flushed = (async () => {
    await provider.forceFlush().catch(() => {});
    await provider.shutdown().catch(() => {});
  })();
  await Promise.race([flushed, deadline]);
  clearTimeout(timer);
}

export function tracer() {
  return trace.getTracer(TRACER, __APP_VERSION__);
}

/**
 * Runs `fn` inside a new active span (a child of the current one), records a
 * thrown error on it and ends it. With tracing off, just runs `fn`.
 */
export async function withSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes }, fn: (span: Span | null) => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn(null);
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `fn` outside any request's trace: for work a request only wakes, done
 * for everyone (the event bus's fetch after a write), so its calls are not
 * counted as the request's own.
 */
export function outsideAnyRequest<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn);
}

/** The active trace id (for log lines and error reports), or undefined. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const ctx = span?.spanContext();
  return ctx && span?.isRecording() ? ctx.traceId : undefined;
}

function redactEndpoint(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "[invalid url]";
  }
}
