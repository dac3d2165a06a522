import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable } from "@react-router/node";
import { isbot } from "isbot";
import type { RenderToPipeableStreamOptions } from "react-dom/server";
import { renderToPipeableStream } from "react-dom/server";
import type { EntryContext, HandleErrorFunction, RouterContextProvider } from "react-router";
import { ServerRouter, isRouteErrorResponse } from "react-router";
import { requestContext } from "./context.server";
import { redactUrl } from "./services/observability/logger.server";
import { getRuntime } from "./services/runtime.server";
import { documentSecurityHeaders } from "./services/http/security-headers.server";

// React Router's default Node entry, plus a per-request CSP nonce on every
// script it renders, the document's security headers, and error handling
// that goes through the structured log instead of the console.

/**
 * Every error React Router catches in a loader, action, middleware or render
 * is logged once as an `event: "error"` JSON line (and so reaches error
 * reporting when it is on). Without this, React Router prints the raw error
 * to the console, with whatever the error object carries.
 */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return;
  let cause = error;
  if (isRouteErrorResponse(error)) {
    // A status the app chose to send, or React Router's own 4xx (no such route, no action): nothing broke.
    const internal = (error as { error?: unknown }).error;
    if (error.status < 500 || !(internal instanceof Error)) return;
    cause = internal;
  }
  const url = new URL(request.url);
  const fields = { event: "error", err: cause, method: request.method, path: redactUrl(url.pathname + url.search) };
  let log;
  try {
    log = context.get(requestContext).log;
  } catch {
    // Failed before the root middleware ran: no request logger yet.
  }
  if (log) log.error(fields, "page request failed");
  else void getRuntime().then((rt) => rt.log.error({ request_id: request.headers.get("x-request-id") ?? undefined, ...fields }, "page request failed"));
};

export const streamTimeout = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
) {
  const nonce = randomBytes(16).toString("base64");
  const { rt, log } = loadContext.get(requestContext);
  for (const [name, value] of Object.entries(documentSecurityHeaders(nonce, rt.env.publicUrl.startsWith("https:")))) {
    responseHeaders.set(name, value);
  }
  if (request.method.toUpperCase() === "HEAD") {
    return new Response(null, { status: responseStatusCode, headers: responseHeaders });
  }

  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const userAgent = request.headers.get("user-agent");
    const readyOption: keyof RenderToPipeableStreamOptions = (userAgent && isbot(userAgent)) || routerContext.isSpaMode ? "onAllReady" : "onShellReady";
    let timeoutId: ReturnType<typeof setTimeout> | undefined = setTimeout(() => abort(), streamTimeout + 1000);

    const { pipe, abort } = renderToPipeableStream(<ServerRouter context={routerContext} url={request.url} nonce={nonce} />, {
      nonce,
      [readyOption]() {
        shellRendered = true;
        const body = new PassThrough({
          final(callback) {
            clearTimeout(timeoutId);
            timeoutId = undefined;
            callback();
          },
        });
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html; charset=utf-8");
        pipe(body);
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        // Errors in the shell reject and are logged by React Router; these come later, mid-stream.
        if (shellRendered) log.error({ event: "error", err: error }, "error while streaming a page");
      },
    });
  });
}
