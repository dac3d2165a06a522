import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

// Prometheus metrics for GET /api/metrics (docs/API.md "Metrics"). One
// registry per process, kept on globalThis so a dev-server reload does not
// register the same names twice. Every label has a bounded set of values:
// routes are React Router patterns (never raw paths), outcomes are fixed words.
//
//   mc_http_request_duration_seconds{method,route,status}  histogram: time from
//     the request arriving to the response finishing; route is the matched
//     pattern ("/w/:slug/tasks/:taskId"), "static" for files under build/client;
//     status is the class ("2xx", "4xx", …). SSE streams count their whole life.
//   mc_heartbeat_duration_seconds{trigger}  histogram: one heartbeat run (cron, scheduler, manual).
//   mc_heartbeat_runs_total{result}  counter: ok | skipped (another run held the lock) | error.
//   mc_dispatch_total{outcome}  counter: dispatched | dispatch_failed (will retry) |
//     dispatch_parked (gave up after DISPATCH_MAX_ATTEMPTS) | dispatch_skipped (no
//     connected gateway) | dispatch_superseded (the task moved on meanwhile).
//   mc_sse_clients  gauge: event streams open on this instance.
//   mc_db_pool_max{transport}  gauge: connections the pool may open (DATABASE_POOL_MAX
//     on PostgreSQL, 1 for the embedded database; absent over Supabase's HTTP API).
//   mc_db_pool_in_flight{transport}  gauge: rpc calls and sessions running now; above
//     mc_db_pool_max they are waiting for a connection.
//   process_* / nodejs_*  prom-client's default process metrics (CPU, memory, event loop lag, GC).

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function create() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    http: new Histogram({
      name: "mc_http_request_duration_seconds",
      help: "HTTP request latency by method, route pattern and status class.",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    heartbeatDuration: new Histogram({
      name: "mc_heartbeat_duration_seconds",
      help: "Duration of heartbeat runs.",
      labelNames: ["trigger"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    heartbeatRuns: new Counter({
      name: "mc_heartbeat_runs_total",
      help: "Heartbeat runs by result (ok, skipped, error).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    dispatch: new Counter({
      name: "mc_dispatch_total",
      help: "Dispatch attempts by outcome.",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    sseClients: new Gauge({ name: "mc_sse_clients", help: "Open server-sent event streams on this instance.", registers: [registry] }),
    dbPoolMax: new Gauge({
      name: "mc_db_pool_max",
      help: "Database connections the pool may open (1 for the embedded database).",
      labelNames: ["transport"] as const,
      registers: [registry],
    }),
    dbInFlight: new Gauge({
      name: "mc_db_pool_in_flight",
      help: "Database calls and sessions running now (above mc_db_pool_max they queue).",
      labelNames: ["transport"] as const,
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof create>;
const KEY = Symbol.for("mission-control.metrics");
type Holder = { [KEY]?: Metrics };

export function metrics(): Metrics {
  const holder = globalThis as Holder;
  holder[KEY] ??= create();
  return holder[KEY];
}

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

export function observeHttpRequest(method: string | undefined, route: string, status: number, seconds: number): void {
  const m = (method ?? "").toUpperCase();
  metrics().http.observe({ method: METHODS.has(m) ? m : "OTHER", route, status: statusClass(status) }, seconds);
}

export function observeHeartbeat(trigger: string, result: "ok" | "skipped" | "error", seconds: number): void {
  const m = metrics();
  m.heartbeatRuns.inc({ result });
  if (result !== "skipped") m.heartbeatDuration.observe({ trigger }, seconds);
}

export function countDispatch(outcome: string): void {
  metrics().dispatch.inc({ outcome });
}

export interface MetricSources {
  sseClients: number;
  db: { transport: string; poolMax: number | null; inFlight: number };
}

/** The Prometheus text exposition (format 0.0.4), with the gauges sampled now. */
export async function renderMetrics(sources: MetricSources): Promise<{ body: string; contentType: string }> {
  const m = metrics();
  m.sseClients.set(sources.sseClients);
  if (sources.db.poolMax !== null) m.dbPoolMax.set({ transport: sources.db.transport }, sources.db.poolMax);
  m.dbInFlight.set({ transport: sources.db.transport }, sources.db.inFlight);
  return { body: await m.registry.metrics(), contentType: m.registry.contentType };
}
