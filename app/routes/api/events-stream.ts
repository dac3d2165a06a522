import { requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import { apiHandler, errorResponse, hasApiToken, withAuthBudget } from "#app/services/http/json-api.server";
import { getSessionUser } from "#app/services/auth/sessions.server";
import { openEventStream } from "#app/services/events/event-stream.server";
import { sseResponse } from "#app/services/events/sse.server";
import { isUuid } from "#app/domain/ids";
import type { Route } from "./+types/events-stream";

// SSE: id = event seq, event = type, data = JSON. Resumes from Last-Event-ID
// (header or ?last_event_id=); an operator session or ?token=MC_API_TOKEN.
// At most EVENT_STREAMS_PER_CLIENT open at once per client address (429).

/** A slot frees only when one of the client's streams closes: a short wait is the honest hint. */
const STREAM_RETRY_AFTER_S = 10;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  return apiHandler(log, async () => {
    await withAuthBudget(rt, clientIp, async () => {
      const authorised =
        hasApiToken(request, url, rt.secrets.MC_API_TOKEN) ||
        (await getSessionUser({ db: rt.db, settings: rt.env, secrets: rt.secrets, sessions: rt.sessions }, request)) !== null;
      if (!authorised) throw new AppError("unauthorized", "Sign in, or pass the API token.");
    });
    if (rt.draining) return errorResponse(new AppError("unavailable", "The server is restarting."), { "Retry-After": "2" });
    const workspace = url.searchParams.get("workspace");
    if (workspace !== null && !isUuid(workspace)) throw new AppError("invalid", "workspace must be a workspace id.");
    const lastIdRaw = request.headers.get("last-event-id") ?? url.searchParams.get("last_event_id");
    const lastId = lastIdRaw === null || lastIdRaw === "" ? null : Number(lastIdRaw);
    if (lastId !== null && (!Number.isSafeInteger(lastId) || lastId < 0)) throw new AppError("invalid", "Last-Event-ID must be an event sequence number.");
    const release = rt.streamSlots.acquire(clientIp);
    if (!release) {
      throw new AppError("rate_limited", `This client already has ${rt.streamSlots.max} event streams open; close one first.`, {
        retry_after_s: STREAM_RETRY_AFTER_S,
      });
    }
    return sseResponse(request.signal, (write, abort) => {
      const stop = openEventStream({
        bus: rt.bus,
        log,
        write,
        abort,
        workspaceId: workspace?.toLowerCase() ?? null,
        lastId,
        pingMs: rt.env.SSE_PING_SECONDS * 1000,
      });
      return () => {
        stop();
        release();
      };
    });
  });
}
