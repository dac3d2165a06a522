import { Form, Link, NavLink } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { Role } from "#app/domain/roles";

export interface AppHeaderData {
  user: { name: string; email: string; role: Role };
  workspaces: Array<{ slug: string; icon: string; name: string }>;
  gateway: string;
  pending: number;
}

/**
 * The app's header. Without its data (an error page rendered before the
 * layout's loader ran) it keeps the links that need none.
 */
export function AppHeader({ data }: { data: AppHeaderData | undefined }) {
  return (
    <header className="topbar" data-island-region="header">
      <Link to="/" className="brand">
        <span aria-hidden="true">🛰️</span>
        <span className="brand-name">Mission Control</span>
      </Link>
      {data ? (
        <>
          <nav className="ws-nav" aria-label="Workspaces">
            {data.workspaces.map((w) => (
              <NavLink key={w.slug} to={`/w/${w.slug}`} className="ws-link" reloadDocument>
                <span aria-hidden="true">{w.icon}</span> {w.name}
              </NavLink>
            ))}
          </nav>
          <NavLink to="/heartbeat" className={`gw gw-${data.gateway}`} title={`OpenClaw gateway: ${data.gateway}`}>
            <span className="gw-dot" aria-hidden="true" />
            <span className="gw-label">Gateway {data.gateway}</span>
          </NavLink>
        </>
      ) : null}
      {/* Opens the command palette (app/islands/palette.ts); hidden until that script runs. */}
      <button type="button" className="btn btn-ghost btn-small palette-button" data-palette-open aria-keyshortcuts="Control+K Meta+K">
        Search <kbd>Ctrl K</kbd>
      </button>
      <nav className="tools-nav" aria-label="Tools">
        <NavLink to="/approvals" className="ws-link approvals-link">
          Approvals
          {data && data.pending > 0 ? (
            <span className="count-badge" data-testid="pending-approvals">
              {data.pending}
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
        {data?.user.role === "admin" ? (
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
      {data ? (
        <div className="topbar-user">
          <Link to="/settings" className="user-name" title={`${data.user.email} · ${data.user.role} · your settings`}>
            {data.user.name} <span className="role-tag">{data.user.role}</span>
          </Link>
          <Form method="post" action="/logout">
            <AuthenticityTokenInput />
            <button type="submit" className="btn btn-ghost btn-small">
              Sign out
            </button>
          </Form>
        </div>
      ) : null}
    </header>
  );
}
