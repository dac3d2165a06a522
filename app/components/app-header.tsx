import { Form, Link, NavLink, useParams } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { Role } from "#app/domain/roles";
import { Icon, type IconName } from "./icon";
import { ThemeSwitch } from "./theme-switch";

export interface AppHeaderData {
  user: { name: string; email: string; role: Role };
  workspaces: Array<{ slug: string; icon: string; name: string }>;
  gateway: string;
  /** Each gateway's state (decision 052); the link's title names them. */
  gateways?: Array<{ name: string; status: string }>;
  pending: number;
}

/** "Gateway connected", or with several "Gateways 1/2 connected". */
function gatewayLabel(data: AppHeaderData): string {
  const all = data.gateways ?? [];
  if (all.length <= 1) return `Gateway ${data.gateway}`;
  return `Gateways ${all.filter((g) => g.status === "connected").length}/${all.length} connected`;
}

function gatewayTitle(data: AppHeaderData): string {
  const all = data.gateways ?? [];
  if (all.length <= 1) return `OpenClaw gateway: ${data.gateway}`;
  return `OpenClaw gateways: ${all.map((g) => `${g.name} ${g.status}`).join(", ")}`;
}

const ADMIN_LINKS: Array<{ to: string; label: string; icon: IconName }> = [
  { to: "/admin/users", label: "Users", icon: "users" },
  { to: "/admin/audit", label: "Audit", icon: "audit" },
  { to: "/admin/task-types", label: "Task types", icon: "task-types" },
  { to: "/admin/prices", label: "Prices", icon: "prices" },
];

function ToolLinks({ data, badge }: { data: AppHeaderData | undefined; badge: boolean }) {
  return (
    <>
      <NavLink to="/approvals" className={badge ? "ws-link approvals-link" : "ws-link"}>
        <Icon name="approvals" size={14} />
        Approvals
        {data && data.pending > 0 ? (
          <span className="count-badge" data-testid={badge ? "pending-approvals" : undefined}>
            {data.pending}
          </span>
        ) : null}
      </NavLink>
      <NavLink to="/costs" className="ws-link">
        <Icon name="costs" size={14} />
        Costs
      </NavLink>
      <NavLink to="/heartbeat" className="ws-link">
        <Icon name="heartbeat" size={14} />
        Heartbeat
      </NavLink>
      {data?.user.role === "admin"
        ? ADMIN_LINKS.map((l) => (
            <NavLink key={l.to} to={l.to} className="ws-link">
              <Icon name={l.icon} size={14} />
              {l.label}
            </NavLink>
          ))
        : null}
    </>
  );
}

function SignOut() {
  return (
    <Form method="post" action="/logout">
      <AuthenticityTokenInput />
      <button type="submit" className="btn btn-ghost btn-small">
        <Icon name="sign-out" size={14} />
        Sign out
      </button>
    </Form>
  );
}

/**
 * The app's header. On a wide screen: the brand, the workspaces, the gateway,
 * the tools and the user in one bar, with a small theme menu. Below 640 px it
 * is one row (brand, current workspace, approvals, menu) and the rest opens
 * from the menu, a <details> disclosure that needs no JavaScript.
 * Without its data (an error page rendered before the layout's loader ran) it
 * keeps the links that need none.
 */
export function AppHeader({ data }: { data: AppHeaderData | undefined }) {
  const { slug } = useParams();
  const current = data?.workspaces.find((w) => w.slug === slug);
  // With JavaScript a link or a form inside a menu does not load a new page: close its menu as a new page
  // would, at the click itself (closing later, once the next page has rendered, could shut a menu just reopened).
  const closeMenu = (event: React.SyntheticEvent) => {
    const target = event.target as HTMLElement;
    if (event.type === "click" && !target.closest("a")) return;
    target.closest("details")?.removeAttribute("open");
  };

  return (
    <header className="topbar" data-island-region="header" onClickCapture={closeMenu} onSubmitCapture={closeMenu}>
      <Link to="/" className="brand">
        <Icon name="brand" size={20} className="brand-mark" />
        <span className="brand-name">Mission Control</span>
      </Link>
      {current ? (
        <Link to={`/w/${current.slug}`} className="ws-current phone-only" reloadDocument>
          <span aria-hidden="true">{current.icon}</span>
          <span className="ws-current-name">{current.name}</span>
        </Link>
      ) : (
        <span className="ws-current phone-only" />
      )}
      {/* Opens the command palette (app/islands/palette.ts); hidden until that script runs. */}
      <button type="button" className="btn btn-ghost btn-small palette-button" data-palette-open aria-keyshortcuts="Control+K Meta+K">
        <Icon name="search" size={14} />
        <span className="palette-button-label">
          Search <kbd>Ctrl K</kbd>
        </span>
      </button>
      <div className="topbar-wide">
        {data ? (
          <>
            <nav className="ws-nav" aria-label="Workspaces">
              {data.workspaces.map((w) => (
                <NavLink key={w.slug} to={`/w/${w.slug}`} className="ws-link" reloadDocument>
                  <span aria-hidden="true">{w.icon}</span> {w.name}
                </NavLink>
              ))}
            </nav>
            <NavLink to="/heartbeat" className={`gw gw-${data.gateway}`} title={gatewayTitle(data)}>
              <span className="gw-dot" aria-hidden="true" />
              <span className="gw-label">{gatewayLabel(data)}</span>
            </NavLink>
          </>
        ) : null}
        <nav className="tools-nav" aria-label="Tools">
          <ToolLinks data={data} badge />
        </nav>
        {data ? (
          <div className="topbar-user">
            <Link to="/settings" className="user-name" title={`${data.user.email} · ${data.user.role} · your settings`}>
              {data.user.name} <span className="role-tag">{data.user.role}</span>
            </Link>
            <details className="menu theme-menu">
              <summary className="icon-button" aria-label="Theme">
                <Icon name="light" size={16} className="when-light" />
                <Icon name="dark" size={16} className="when-dark" />
              </summary>
              <div className="menu-panel">
                <ThemeSwitch id="theme-menu-label" />
              </div>
            </details>
            <SignOut />
          </div>
        ) : null}
      </div>
      <NavLink
        to="/approvals"
        className="ws-link approvals-compact phone-only"
        aria-label={`Approvals${data && data.pending > 0 ? `: ${data.pending} waiting` : ""}`}
      >
        <Icon name="approvals" size={18} />
        {data && data.pending > 0 ? (
          <span className="count-badge" aria-hidden="true">
            {data.pending}
          </span>
        ) : null}
      </NavLink>
      <details className="menu phone-menu phone-only">
        <summary className="icon-button" aria-label="Menu">
          <Icon name="menu" size={20} className="when-closed" />
          <Icon name="close" size={20} className="when-open" />
        </summary>
        <div className="menu-panel">
          {data ? (
            <nav className="menu-section" aria-label="Workspaces">
              <p className="menu-heading">Workspaces</p>
              {data.workspaces.map((w) => (
                <NavLink key={w.slug} to={`/w/${w.slug}`} className="menu-link" reloadDocument>
                  <span aria-hidden="true">{w.icon}</span> {w.name}
                </NavLink>
              ))}
              <NavLink to="/" end className="menu-link muted">
                All workspaces
              </NavLink>
            </nav>
          ) : null}
          <nav className="menu-section" aria-label="Tools">
            <p className="menu-heading">Tools</p>
            <ToolLinks data={data} badge={false} />
            {data ? (
              <NavLink to="/heartbeat" className={`ws-link gw gw-${data.gateway}`}>
                <span className="gw-dot" aria-hidden="true" />
                {gatewayLabel(data)}
              </NavLink>
            ) : null}
          </nav>
          {data ? (
            <div className="menu-section">
              <p className="menu-heading">
                {data.user.name} <span className="role-tag">{data.user.role}</span>
              </p>
              <NavLink to="/settings" className="ws-link">
                <Icon name="settings" size={14} />
                Your settings
              </NavLink>
              <ThemeSwitch id="phone-theme-label" />
              <SignOut />
            </div>
          ) : null}
        </div>
      </details>
    </header>
  );
}
