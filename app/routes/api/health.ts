import { requestContext } from "#app/context.server";
import { lastHeartbeatAt } from "#app/db/heartbeat.server";
import type { Route } from "./+types/health";

// For uptime monitors: no auth, no secrets, 503 only when the database is down.
export async function loader({ context }: Route.LoaderArgs) {
  const { rt } = context.get(requestContext);
  let db: "ok" | "error" = "ok";
  let lastHeartbeat: string | null = null;
  try {
    lastHeartbeat = (await lastHeartbeatAt(rt.db)).at;
  } catch {
    db = "error";
  }
  const gateway = rt.gateway?.status ?? "disabled";
  const status = db === "ok" && gateway !== "disconnected" ? "ok" : "degraded";
  return Response.json(
    {
      status,
      version: __APP_VERSION__,
      uptime_s: Math.floor((Date.now() - rt.startedAt) / 1000),
      db,
      gateway,
      last_heartbeat_at: lastHeartbeat,
    },
    { status: db === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
