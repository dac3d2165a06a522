import { requestContext } from "#app/context.server";
import { dbInFlight } from "#app/db/traced.server";
import { AppError } from "#app/domain/errors";
import { apiHandler, hasApiToken, withAuthBudget } from "#app/services/http/json-api.server";
import { renderMetrics } from "#app/services/observability/metrics.server";
import type { Route } from "./+types/metrics";

// GET /api/metrics (Authorization: Bearer $MC_API_TOKEN or ?token=): Prometheus
// text format 0.0.4. What each series means: app/services/observability/metrics.server.ts
// and docs/API.md "Metrics".
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  return apiHandler(log, async () => {
    await withAuthBudget(rt, clientIp, async () => {
      if (!hasApiToken(request, url, rt.secrets.MC_API_TOKEN)) throw new AppError("unauthorized", "Pass the API token as a Bearer header or ?token=.");
    });
    const kind = rt.db.kind;
    const { body, contentType } = await renderMetrics({
      sseClients: rt.bus.subscriberCount,
      db: { transport: kind, poolMax: kind === "postgres" ? rt.env.DATABASE_POOL_MAX : kind === "pglite" ? 1 : null, inFlight: dbInFlight() },
    });
    return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
  });
}
