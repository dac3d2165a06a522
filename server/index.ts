import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { type ServerResponse, createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientAddress, createRequestListener } from "@remix-run/node-fetch-server";
import { createRequestHandler } from "react-router";
import * as build from "virtual:react-router/server-build";
import { getEnv } from "#app/env.server";
import { startErrorReporting, stopErrorReporting } from "#app/services/observability/error-reporting.server";
import { createHttpObserver } from "#app/services/observability/http-observer.server";
import { createLogger, redactUrl } from "#app/services/observability/logger.server";
import { createRequestGate } from "#app/services/http/request-gate.server";
import { writeEventStream } from "#app/services/events/sse.server";
import { getRuntime, stopRuntime } from "#app/services/runtime.server";
import { BASE_SECURITY_HEADERS } from "#app/services/http/security-headers.server";
import { startTelemetry, stopTelemetry } from "#app/services/observability/telemetry.server";
import { compressResponse } from "./compression";
import { DB_COMMANDS, runDbCommand } from "./db-commands";
import { bodyCapFor, guardPageRequest, isPageRequest } from "./page-requests";
import { createStaticHandler } from "./static-files";

// The production entry: `node build/server/index.js` (or `… migrate`, `… backup`,
// `… restore`: server/db-commands.ts).
// Boots the runtime (database, migrations, secrets) before listening, serves
// build/client, hands everything else to React Router, and shuts down cleanly.

const REQUEST_ID = /^[A-Za-z0-9._-]{8,80}$/;

async function main(argv: string[]): Promise<void> {
  let env;
  try {
    env = getEnv();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(78);
  }
  if ((DB_COMMANDS as readonly string[]).includes(argv[0] ?? "")) return runDbCommand(env, __APP_VERSION__, argv);

  const publicBind = ["0.0.0.0", "::", "[::]", "*"].includes(env.HOST);
  const log = createLogger(env.LOG_LEVEL);
  if (publicBind && !env.ALLOW_PUBLIC_BIND) {
    log.fatal(
      { event: "config.public_bind_refused", host: env.HOST },
      "Refusing to listen on every interface. Bind 127.0.0.1 or the Tailscale address, or set ALLOW_PUBLIC_BIND=1.",
    );
    process.exit(78);
  }

  // Traces and error reports (each only when configured) before anything they should see.
  await startTelemetry(env, log);
  await startErrorReporting(env, log);

  let rt;
  try {
    rt = await getRuntime();
  } catch (error) {
    log.fatal({ event: "startup_failed", err: error }, (error as Error).message);
    process.exit(1);
  }
  if (publicBind) rt.log.warn({ event: "config.public_bind", host: env.HOST }, "listening on every interface (ALLOW_PUBLIC_BIND=1)");

  const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../client");
  const serveStatic = createStaticHandler(clientDir);
  const publicOrigin = new URL(env.publicUrl).origin;
  // React Router's own check of a form post's Origin knows only the request's
  // host; behind a proxy the public one is ours too.
  const handleRouted = createRequestHandler({ ...build, allowedActionOrigins: [new URL(env.publicUrl).host] }, "production");
  // The Node response of the request being handled: an event stream is written to it directly (sse.server.ts).
  const nodeResponse = new AsyncLocalStorage<ServerResponse>();
  const handle = createRequestListener(
    // Two parameters: the listener then awaits each request (a one-parameter handler is fire-and-forget).
    async (request: Request, _client: ClientAddress) => {
      const response = await (isPageRequest(new URL(request.url))
        ? guardPageRequest(request, { publicOrigin, maxBytes: bodyCapFor(request, env.UPLOAD_MAX_BYTES) }, handleRouted)
        : handleRouted(request));
      const streamed = writeEventStream(response, nodeResponse.getStore()!);
      if (!streamed) return response;
      // Written and ended here: by the time this resolves the response is closed, and the listener sends nothing.
      await streamed;
      return response;
    },
    { onError: (error) => void rt.log.error({ event: "error", err: error }, "request failed") },
  );
  const observer = createHttpObserver(build.routes);
  const requestGate = createRequestGate(build.routes);
  const https = env.publicUrl.startsWith("https:");

  const server = createServer(async (req, res) => {
    const started = performance.now();
    const inbound = req.headers["x-request-id"];
    const requestId = typeof inbound === "string" && REQUEST_ID.test(inbound) ? inbound : randomUUID();
    req.headers["x-request-id"] = requestId;
    // Only the socket says who the client is; a header of that name from outside is dropped.
    req.headers["x-mc-client-ip"] = req.socket.remoteAddress ?? "unknown";
    res.setHeader("X-Request-Id", requestId);
    const observed = observer.start(req.method, req.url, requestId);
    for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) res.setHeader(name, value);
    if (https) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    res.on("finish", () => {
      if (!req.complete) discardUpload(req);
      const isAsset = req.url?.startsWith("/assets/");
      const ms = performance.now() - started;
      observed.finish(res.statusCode, ms / 1000, true);
      rt.log[isAsset ? "debug" : "info"](
        { event: "http.request", request_id: requestId, method: req.method, path: redactUrl(req.url ?? ""), status: res.statusCode, ms: Math.round(ms) },
        "request",
      );
    });
    res.on("close", () => observed.finish(res.statusCode, (performance.now() - started) / 1000, false));
    try {
      await observed.run(async () => {
        if (await serveStatic(req, res)) return;
        observed.routed();
        const refused = requestGate(req.method ?? "GET", req.url ?? "/", req.headers.host);
        if (refused) {
          res.writeHead(refused.status, {
            ...(refused.allow ? { Allow: refused.allow.join(", ") } : {}),
            "Content-Type": refused.contentType,
            "Cache-Control": "no-store",
          });
          res.end(refused.body);
          return;
        }
        compressResponse(req, res);
        await nodeResponse.run(res, () => handle(req, res));
      });
    } catch (error) {
      observed.fail(error);
      rt.log.error({ event: "error", request_id: requestId, err: error }, "unhandled request error");
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Internal error");
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  rt.log.info(
    { event: "server.listening", host: env.HOST, port, version: __APP_VERSION__, transport: rt.db.kind },
    `Mission Control listening on http://${env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST}:${port}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.draining = true;
    rt.log.info({ event: "server.stopping", signal }, "shutting down");
    const force = setTimeout(() => {
      rt.log.warn({ event: "server.forced_exit" }, "drain timed out");
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close();
    server.closeIdleConnections();
    const streams = rt.bus.closeStreams();
    rt.log.info({ event: "server.draining", streams }, "ended event streams with a reconnect hint");
    // Open event streams never finish on their own; end them so clients reconnect elsewhere.
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
    await new Promise<void>((resolve) => server.once("close", () => resolve()));
    await stopRuntime();
    await Promise.all([stopTelemetry(), stopErrorReporting()]);
    rt.log.info({ event: "server.stopped" }, "stopped");
    // 1 when the stop was forced by a failure (the embedded database's thread died), so systemd restarts the service.
    process.exit(process.exitCode ?? 0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

// A request answered before its body was read (a 413, a 401) leaves the client
// mid-upload; Node does not drain a body that was handed to a web stream, so
// the client would stall. Read and drop the rest for a while ("lingering
// close"), then close: closing at once, with the upload's bytes unread,
// resets the connection, and a client still sending may lose the answer.
const LINGER_MS = 2_000;
const LINGER_BYTES = 64 * 1024 * 1024;
function discardUpload(req: import("node:http").IncomingMessage): void {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  socket.once("close", stop);
  // A keep-alive socket serves many requests: take the listener off again once
  // this body is drained, or every refused upload would leave one behind.
  req.once("end", () => {
    stop();
    socket.off("close", stop);
  });
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) socket.destroy();
  });
  req.resume();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
