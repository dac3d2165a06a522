import { beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, query } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { type Receiver, sentryDsn, sentryEvents, startReceiver } from "#tests/support/receiver";
import { until as waitFor } from "#tests/support/until";
import { useTestServer } from "#tests/support/test-server";

// The built bundle on PostgreSQL with every observability output pointed at
// loopback receivers: OTLP/HTTP traces (JSON), a Sentry DSN, and /api/metrics.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

function exportedSpans(otlp: Receiver): Array<OtlpSpan & { service: unknown }> {
  const spans: Array<OtlpSpan & { service: unknown }> = [];
  for (const r of otlp.received.filter((x) => x.path === "/v1/traces")) {
    const body = JSON.parse(r.body) as {
      resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    for (const rs of body.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
      for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
    }
  }
  return spans;
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v ? (v.stringValue ?? v.intValue ?? v.boolValue) : undefined;
};

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("observability", () => {
  let otlp: Receiver;
  let sentry: Receiver;
  const app = useTestServer({
    env: async () => {
      [otlp, sentry] = await Promise.all([startReceiver(), startReceiver()]);
      return { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: "mc-observability-test", SENTRY_DSN: sentryDsn(sentry), SENTRY_ENVIRONMENT: "test" };
    },
    after: () => Promise.all([otlp?.close(), sentry?.close()]),
    // Server errors are provoked here on purpose; the suite checks what reaches the error reporter.
    allowLoggedErrors: true,
  });
  let ws: { id: string; slug: string };

  const metricsText = async () => {
    const res = await fetch(`${app.url}/api/metrics`, { headers: { authorization: `Bearer ${SECRETS.MC_API_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const heartbeat = (requestId?: string) =>
    fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`, { headers: requestId ? { "x-request-id": requestId } : {} });

  beforeAll(async () => {
    ws = await createWorkspace(app.db);
  });

  it("says at startup that traces and error reports are on", () => {
    expect(app.server.logs.find((l) => l.event === "telemetry.started")?.data).toMatchObject({ service: "mc-observability-test" });
    expect(app.server.logs.find((l) => l.event === "error_reporting.started")?.data).toMatchObject({ environment: "test" });
  });

  it("/api/metrics needs the API token and speaks the Prometheus text format", async () => {
    const anonymous = await fetch(`${app.url}/api/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await fetch(`${app.url}/api/metrics?token=wrong`)).status).toBe(401);
    const byQuery = await fetch(`${app.url}/api/metrics?token=${SECRETS.MC_API_TOKEN}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metricsText();
    expect(text).toContain("# TYPE mc_http_request_duration_seconds histogram");
    expect(text).toContain("# TYPE mc_heartbeat_duration_seconds histogram");
    expect(text).toContain("# TYPE mc_heartbeat_runs_total counter");
    expect(text).toContain("# TYPE mc_dispatch_total counter");
    expect(text).toContain("# TYPE mc_sse_clients gauge");
    expect(sample(text, "mc_db_pool_max", { transport: "postgres" })).toBe(10);
    expect(sample(text, "mc_db_pool_in_flight", { transport: "postgres" })).toBeGreaterThanOrEqual(0);
    // Every sample line parses as name{labels} value.
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) expect(line).toMatch(/^[a-zA-Z_:][\w:]*(\{.*\})? (-?[\d.e+-]+|nan|[+-]inf)$/i);
  });

  it("labels request latency by route pattern, never by the real path", async () => {
    const page = await fetch(`${app.url}/w/${ws.slug}`, { redirect: "manual" });
    expect(page.status).toBeLessThan(500);
    await fetch(`${app.url}/w/${ws.slug}/tasks/00000000-0000-4000-8000-000000000000`, { redirect: "manual" });
    await fetch(`${app.url}/favicon.ico`);
    const text = await metricsText();
    expect(sample(text, "mc_http_request_duration_seconds_count", { route: "/w/:slug" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "mc_http_request_duration_seconds_count", { route: "/w/:slug/tasks/:taskId" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "mc_http_request_duration_seconds_count", { route: "/api/metrics", method: "GET", status: "2xx" })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(ws.slug);
    expect(text).not.toContain("00000000-0000-4000-8000-000000000000");
    expect(text).not.toContain(SECRETS.MC_API_TOKEN);
  });

  it("counts open event streams and heartbeat runs", async () => {
    const before = await metricsText();
    const runsBefore = sample(before, "mc_heartbeat_runs_total", { result: "ok" }) ?? 0;
    const beatsBefore = sample(before, "mc_heartbeat_duration_seconds_count", { trigger: "cron" }) ?? 0;
    expect((await heartbeat()).status).toBe(200);
    const after = await metricsText();
    expect(sample(after, "mc_heartbeat_runs_total", { result: "ok" })).toBe(runsBefore + 1);
    expect(sample(after, "mc_heartbeat_duration_seconds_count", { trigger: "cron" })).toBe(beatsBefore + 1);

    const idle = sample(after, "mc_sse_clients") ?? 0;
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/api/events/stream?token=${SECRETS.MC_API_TOKEN}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // the stream is open once its first bytes arrive
    expect(sample(await metricsText(), "mc_sse_clients")).toBe(idle + 1);
    controller.abort();
    await reader.cancel().catch(() => {});
    let now = idle + 1;
    const deadline = Date.now() + 5_000;
    while (now !== idle && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = sample(await metricsText(), "mc_sse_clients") ?? -1;
    }
    expect(now).toBe(idle);
  });

  it("exports a server span per request with SQL spans nested under it, and heartbeat spans", async () => {
    const pageId = "obs-page-request-0001";
    const beatId = "obs-beat-request-0001";
    expect((await fetch(`${app.url}/login`, { headers: { "x-request-id": pageId } })).status).toBe(200);
    expect((await heartbeat(beatId)).status).toBe(200);

    const page = await waitFor("the /login server span", () => exportedSpans(otlp).find((s) => s.name === "GET /login" && attr(s, "mc.request_id") === pageId));
    expect(page.kind).toBe(2); // SERVER
    expect(page.service).toBe("mc-observability-test");
    expect(attr(page, "http.route")).toBe("/login");
    expect(Number(attr(page, "http.response.status_code"))).toBe(200);
    const sqlSpan = await waitFor("a db.rpc span under it", () => exportedSpans(otlp).find((s) => s.traceId === page.traceId && s.name.startsWith("db.rpc ")));
    expect(sqlSpan.parentSpanId).toBe(page.spanId);
    expect(sqlSpan.kind).toBe(3); // CLIENT
    expect(sqlSpan.name).toBe("db.rpc count_users");

    const beatRequest = await waitFor("the heartbeat server span", () =>
      exportedSpans(otlp).find((s) => s.name === "GET /api/heartbeat" && attr(s, "mc.request_id") === beatId),
    );
    const run = await waitFor("the heartbeat.run span", () => exportedSpans(otlp).find((s) => s.name === "heartbeat.run" && s.traceId === beatRequest.traceId));
    expect(run.parentSpanId).toBe(beatRequest.spanId);
    expect(attr(run, "mc.heartbeat.trigger")).toBe("cron");
    expect(attr(run, "mc.heartbeat.result")).toBe("ok");
    const inRun = exportedSpans(otlp)
      .filter((s) => s.parentSpanId === run.spanId)
      .map((s) => s.name);
    expect(inRun).toEqual(expect.arrayContaining(["db.rpc list_expired_leases", "db.rpc record_heartbeat_run"]));

    const all = otlp.received.map((r) => r.body).join("\n");
    expect(all).not.toContain(SECRETS.MC_API_TOKEN);
  });

  it("reports a real server error to Sentry with its request id and no credentials", async () => {
    const requestId = "obs-sentry-request-0042";
    // Schema drift, as after a bad deploy: the heartbeat's last step now fails in PostgreSQL.
    await query(app.db, "alter function record_heartbeat_run rename to record_heartbeat_run_gone");
    try {
      const res = await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`, {
        headers: { "x-request-id": requestId, authorization: `Bearer ${SECRETS.MC_API_TOKEN}`, cookie: "mc_session=secret-cookie-value" },
      });
      expect(res.status).toBe(503);
    } finally {
      await query(app.db, "alter function record_heartbeat_run_gone rename to record_heartbeat_run");
    }
    const event = await waitFor("the Sentry event", () =>
      sentryEvents(sentry).find((e) => (e.tags as Record<string, string> | undefined)?.request_id === requestId),
    );
    const exception = (event.exception as { values: Array<{ type: string; value: string }> }).values.at(-1)!;
    expect(exception.value).toMatch(/record_heartbeat_run/);
    expect(event.tags).toMatchObject({ request_id: requestId, event: "error" });
    expect(event.environment).toBe("test");
    const trace = (event.tags as Record<string, string>).trace_id;
    expect(trace).toMatch(/^[0-9a-f]{32}$/);

    const raw = sentry.received.map((r) => r.body).join("\n");
    expect(raw).not.toContain(SECRETS.MC_API_TOKEN);
    expect(raw).not.toContain("secret-cookie-value");
    expect(sentry.received.every((r) => r.path.startsWith("/api/1/envelope/"))).toBe(true);

    const metrics = await metricsText();
    expect(sample(metrics, "mc_heartbeat_runs_total", { result: "error" })).toBeGreaterThanOrEqual(1);
  });

  it("a signed-in form post that creates a task makes one database call: the write", async () => {
    const admin = await app.setUpAdmin();
    // The page's own reads confirm the session and the workspace, which the post then takes from memory.
    expect((await admin.get(`/w/${ws.slug}/tasks/new`)).status).toBe(200);
    const requestId = "obs-create-task-0001";
    const body = new URLSearchParams({ csrf: admin.csrf(), title: "One round trip", priority: "normal" });
    const res = await admin.request(`/w/${ws.slug}/tasks/new`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url, "x-request-id": requestId },
      body,
    });
    expect(res.status).toBe(302);
    const post = await waitFor("the form post's server span", () =>
      exportedSpans(otlp).find((s) => s.name.startsWith("POST ") && attr(s, "mc.request_id") === requestId),
    );
    const calls = await waitFor("its db.rpc span", () => {
      const found = exportedSpans(otlp).filter((s) => s.traceId === post.traceId && s.name.startsWith("db.rpc "));
      return found.length > 0 ? found : undefined;
    });
    expect(calls.map((s) => s.name)).toEqual(["db.rpc create_task"]);
    expect((await query(app.db, "select count(*)::int as n from tasks where title = 'One round trip'"))[0]).toEqual({ n: 1 });
  });

  it("flushes buffered spans when it shuts down", async () => {
    const requestId = "obs-last-request-0001";
    expect((await fetch(`${app.url}/api/health`, { headers: { "x-request-id": requestId } })).status).toBe(200);
    // Stopped before the batch delay passes: only the shutdown flush can deliver the span.
    expect(await app.server.stop()).toBe(0);
    expect(exportedSpans(otlp).some((s) => s.name === "GET /api/health" && attr(s, "mc.request_id") === requestId)).toBe(true);
    expect(app.server.logs.at(-1)).toMatchObject({ event: "server.stopped" });
  });
});
