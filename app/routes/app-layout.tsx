import { Form, Link, NavLink, Outlet } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { LiveEvents } from "#app/components/live-events";
import { TimeZoneContext } from "#app/components/time";
import { zoneOr } from "#app/domain/time";
import { requestContext, userContext } from "#app/context.server";
import { countPendingApprovals } from "#app/db/governance.server";
import { listWorkspaceNav } from "#app/db/workspaces.server";
import { requireRole } from "#app/services/auth/sessions.server";
import type { Route } from "./+types/app-layout";

async function requireSignedIn({ request, context }: Parameters<Route.MiddlewareFunction>[0]) {
  requireRole(context.get(userContext), "viewer", request);
}

export const middleware: Route.MiddlewareFunction[] = [requireSignedIn];

export async function loader({ context }: Route.LoaderArgs) {
  const user = context.get(userContext)!;
  const { rt } = context.get(requestContext);
  const [workspaces, { pending }] = await Promise.all([listWorkspaceNav(rt.db), countPendingApprovals(rt.db)]);
  return { user, workspaces, gateway: rt.gateway?.status ?? "disabled", pending };
}

export default function AppLayout({ loaderData }: Route.ComponentProps) {
  const { user, workspaces, gateway, pending } = loaderData;
  return (
    <TimeZoneContext value={zoneOr(user.time_zone)}>
      <LiveEvents>
        <div className="shell">
          <header className="topbar">
            <Link to="/" className="brand">
              <span aria-hidden="true">🛰️</span>
              <span className="brand-name">Mission Control</span>
            </Link>
            <nav className="ws-nav" aria-label="Workspaces">
              {workspaces.map((w) => (
                <NavLink key={w.slug} to={`/w/${w.slug}`} className="ws-link">
                  <span aria-hidden="true">{w.icon}</span> {w.name}
                </NavLink>
              ))}
            </nav>
            <NavLink to="/heartbeat" className={`gw gw-${gateway}`} title={`OpenClaw gateway: ${gateway}`}>
              <span className="gw-dot" aria-hidden="true" />
              <span className="gw-label">Gateway {gateway}</span>
            </NavLink>
            <nav className="tools-nav" aria-label="Tools">
              <NavLink to="/approvals" className="ws-link approvals-link">
                Approvals
                {pending > 0 ? (
                  <span className="count-badge" data-testid="pending-approvals">
                    {pending}
                  </span>
                ) : null}
              </NavLink>
              <NavLink to="/costs" className="ws-link">
                Costs
              </NavLink>
              <NavLink to="/heartbeat" className="ws-link">
                Heartbeat
              </NavLink>
              {/* On a phone the name (the desktop's way to these settings) is hidden. */}
              <NavLink to="/settings" className="ws-link own-settings-link">
                Your settings
              </NavLink>
              {user.role === "admin" ? (
                <>
                  <NavLink to="/admin/users" className="ws-link">
                    Users
                  </NavLink>
                  <NavLink to="/admin/audit" className="ws-link">
                    Audit
                  </NavLink>
                  <NavLink to="/admin/task-types" className="ws-link">
                    Task types
                  </NavLink>
                  <NavLink to="/admin/prices" className="ws-link">
                    Prices
                  </NavLink>
                </>
              ) : null}
            </nav>
            <div className="topbar-user">
              <Link to="/settings" className="user-name" title={`${user.email} · ${user.role} · your settings`}>
                {user.name} <span className="role-tag">{user.role}</span>
              </Link>
              <Form method="post" action="/logout">
                <AuthenticityTokenInput />
                <button type="submit" className="btn btn-ghost btn-small">
                  Sign out
                </button>
              </Form>
            </div>
          </header>
          <Outlet />
        </div>
      </LiveEvents>
    </TimeZoneContext>
  );
}
