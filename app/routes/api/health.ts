import { requestContext } from "#app/context.server";
import { lastHeartbeatAt } from "#app/db/heartbeat.server";
import { gatewayHealth, overallGatewayStatus } from "#app/services/agent-plane/gateway-registry.server";
import type { Route } from "./+types/health";

// For uptime monitors: no auth, no secrets, 503 only when the database is down.
// `gateway` sums up every gateway (connected only when all are); `gateways`
// lists each one (decision 052), never its token.
export async function loader({ context }: Route.LoaderArgs) {
  const { rt } = context.get(requestContext);
  let db: "ok" | "error" = "ok";
  let lastHeartbeat: string | null = null;
  try {
    lastHeartbeat = (await lastHeartbeatAt(rt.db)).at;
  } catch {
    db = "error";
  }
  const gateways = gatewayHealth(rt.gateways);
  const gateway = overallGatewayStatus(gateways);
  const status = db === "ok" && gateway !== "disconnected" ? "ok" : "degraded";
  return Response.json(
    {
      status,
      version: __APP_VERSION__,
      uptime_s: Math.floor((Date.now() - rt.startedAt) / 1000),
      db,
      gateway,
      gateways: gateways.map((g) => ({ id: g.id, name: g.name, default: g.default, status: g.status })),
      last_heartbeat_at: lastHeartbeat,
    },
    { status: db === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
