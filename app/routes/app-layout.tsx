import { Outlet } from "react-router";
import { AppHeader } from "#app/components/app-header";
import { ErrorPage } from "#app/components/error-page";
import { LiveEvents } from "#app/components/live-events";
import { TimeZoneContext } from "#app/components/time";
import { zoneOr } from "#app/domain/time";
import { requestContext, userContext } from "#app/context.server";
import { countPendingApprovals } from "#app/db/governance.server";
import { listWorkspaceNav } from "#app/db/workspaces.server";
import { getStopControls } from "#app/db/dispatch.server";
import { EmergencyBanner } from "#app/components/stop-controls";
import { requireRole } from "#app/services/auth/sessions.server";
import { gatewayHealth, overallGatewayStatus } from "#app/services/agent-plane/gateway-registry.server";
import type { Route } from "./+types/app-layout";

async function requireSignedIn({ request, context }: Parameters<Route.MiddlewareFunction>[0]) {
  requireRole(context.get(userContext), "viewer", request);
}

export const middleware: Route.MiddlewareFunction[] = [requireSignedIn];

export async function loader({ context }: Route.LoaderArgs) {
  const user = context.get(userContext)!;
  const { rt } = context.get(requestContext);
  const gateways = gatewayHealth(rt.gateways);
  const [workspaces, { pending }, stops] = await Promise.all([listWorkspaceNav(rt.db), countPendingApprovals(rt.db), getStopControls(rt.db, null)]);
  return {
    user,
    workspaces,
    gateway: overallGatewayStatus(gateways),
    gateways: gateways.map((g) => ({ name: g.name, status: g.status })),
    pending,
    emergency: stops.emergency,
  };
}

export default function AppLayout({ loaderData }: Route.ComponentProps) {
  return (
    <TimeZoneContext value={zoneOr(loaderData.user.time_zone)}>
      <LiveEvents>
        <div className="shell">
          <AppHeader data={loaderData} />
          <EmergencyBanner emergency={loaderData.emergency} isAdmin={loaderData.user.role === "admin"} />
          <Outlet />
        </div>
      </LiveEvents>
    </TimeZoneContext>
  );
}

/**
 * A failing page (a refusal, a missing page, a server error) keeps the app's
 * header, so the reader can go on from there, with or without JavaScript.
 * When the failure came before this layout's data was read (an unknown
 * workspace is refused by a middleware), the header has only the links that
 * need no data.
 */
export function ErrorBoundary({ error, loaderData }: Route.ErrorBoundaryProps) {
  return (
    <div className="shell">
      <AppHeader data={loaderData as Route.ComponentProps["loaderData"] | undefined} />
      <ErrorPage error={error} />
    </div>
  );
}
