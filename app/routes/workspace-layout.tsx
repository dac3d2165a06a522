import { NavLink, Outlet } from "react-router";
import { ConnectionBadge } from "#app/components/live-events";
import { ErrorPage } from "#app/components/error-page";
import { workspaceContext } from "#app/context.server";
import type { Workspace } from "#app/db/workspaces.server";
import { operator } from "#app/services/auth/operator.server";
import { workspaceMiddleware } from "#app/services/workspace.server";
import type { Route } from "./+types/workspace-layout";

// Every route under /w/:slug reads its workspace from workspaceContext, set
// here once per request (an unknown slug is a 404 before any loader runs).
export const middleware: Route.MiddlewareFunction[] = [workspaceMiddleware];

export async function loader({ request, context }: Route.LoaderArgs) {
  const { user } = operator(context, request, "viewer");
  return { workspace: context.get(workspaceContext), canEdit: user.role !== "viewer" };
}

export default function WorkspaceLayout({ loaderData }: Route.ComponentProps) {
  return (
    <>
      <WorkspaceHead workspace={loaderData.workspace} />
      <Outlet />
    </>
  );
}

/**
 * A page inside the workspace that fails (a task that does not exist, a
 * refusal) keeps the workspace's header and tabs, so the reader can go on from
 * there. Rendered on the server, so it works without JavaScript. Without the
 * layout's own data there is nothing to keep: just the error. (An unknown slug
 * never gets here: the middleware's 404 is rendered by the root, since no
 * layout loader above it has run.)
 */
export function ErrorBoundary({ error, loaderData }: Route.ErrorBoundaryProps) {
  const workspace = (loaderData as Route.ComponentProps["loaderData"] | undefined)?.workspace;
  return (
    <>
      {workspace ? <WorkspaceHead workspace={workspace} /> : null}
      <ErrorPage error={error} />
    </>
  );
}

function WorkspaceHead({ workspace }: { workspace: Workspace }) {
  const base = `/w/${workspace.slug}`;
  return (
    <div className="ws-head">
      <h1 className="ws-name">
        <span aria-hidden="true">{workspace.icon}</span> {workspace.name}
      </h1>
      <nav className="tabs" aria-label="Workspace">
        <NavLink to={base} end>
          Board
        </NavLink>
        <NavLink to={`${base}/feed`}>Live feed</NavLink>
        <NavLink to={`${base}/agents`}>Agents</NavLink>
        <NavLink to={`${base}/costs`}>Costs</NavLink>
        <NavLink to={`${base}/analytics`}>Analytics</NavLink>
        <NavLink to={`${base}/pipelines`}>Pipelines</NavLink>
        <NavLink to={`${base}/settings`}>Settings</NavLink>
      </nav>
      <ConnectionBadge />
    </div>
  );
}
