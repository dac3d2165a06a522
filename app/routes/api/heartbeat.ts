import { requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import { apiHandler, hasApiToken, withAuthBudget } from "#app/services/http/json-api.server";
import { runHeartbeat } from "#app/services/orchestration/heartbeat.server";
import { heartbeatDeps } from "#app/services/runtime.server";
import type { Route } from "./+types/heartbeat";

// GET|POST /api/heartbeat?token=$MC_API_TOKEN (or Authorization: Bearer …):
// one orchestration run; its receipt, or {"skipped":"already_running"}.
async function heartbeat({ request, context, url }: Route.LoaderArgs | Route.ActionArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  return apiHandler(log, async () => {
    await withAuthBudget(rt, clientIp, async () => {
      if (!hasApiToken(request, url, rt.secrets.MC_API_TOKEN)) throw new AppError("unauthorized", "Pass the API token as ?token= or a Bearer header.");
    });
    await rt.limits.consume("heartbeat", clientIp);
    if (rt.draining) throw new AppError("unavailable", "The server is shutting down.");
    return Response.json(await runHeartbeat(heartbeatDeps(rt, log), "cron"), { headers: { "Cache-Control": "no-store" } });
  });
}

export const loader = heartbeat;
export async function action(args: Route.ActionArgs) {
  if (args.request.method !== "POST") {
    return Response.json({ error: { code: "method_not_allowed", message: "Use GET or POST." } }, { status: 405, headers: { Allow: "GET, POST" } });
  }
  return heartbeat(args);
}
