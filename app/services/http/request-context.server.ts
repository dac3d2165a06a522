import { randomUUID } from "node:crypto";
import type { MiddlewareFunction } from "react-router";
import { requestContext } from "#app/context.server";
import { getRuntime } from "../runtime.server";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,80}$/;

/**
 * Root middleware: attaches the runtime, a request id (from the server entry,
 * which sets x-request-id on every request, or a new one under `react-router
 * dev`) and a child logger that stamps it on every line.
 */
export const requestMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const rt = await getRuntime();
  const inbound = request.headers.get("x-request-id");
  const requestId = inbound && REQUEST_ID.test(inbound) ? inbound : randomUUID();
  const log = rt.log.child({ request_id: requestId });
  context.set(requestContext, {
    rt,
    requestId,
    log,
    clientIp: request.headers.get("x-mc-client-ip") ?? "local",
  });
  // What fails below is logged once, by handleError in entry.server.tsx.
  return next();
};
