import { NavLink, Outlet, useMatches } from "react-router";
import { ConnectionBadge } from "#app/components/live-events";
import { ErrorPage } from "#app/components/error-page";
import { workspaceContext } from "#app/context.server";
import type { Workspace } from "#app/db/workspaces.server";
import { getStopControls } from "#app/db/dispatch.server";
import { WorkspacePauseBanner } from "#app/components/stop-controls";
import { operator } from "#app/services/auth/operator.server";
import { workspaceMiddleware } from "#app/services/workspace.server";
import type { Route } from "./+types/workspace-layout";

// Every route under /w/:slug reads its workspace from workspaceContext, set
// here once per request (an unknown slug is a 404 before any loader runs).
export const middleware: Route.MiddlewareFunction[] = [workspaceMiddleware];

export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  return { workspace, canEdit: user.role !== "viewer", stops: await getStopControls(db, workspace.id) };
}

export default function WorkspaceLayout({ loaderData }: Route.ComponentProps) {
  // A page with an h1 of its own exports `handle = { ownHeading: true }`: the
  // workspace's name is then plain text, so every page has exactly one h1.
  const ownHeading = useMatches().some((m) => (m.handle as { ownHeading?: boolean } | undefined)?.ownHeading);
  return (
    <>
      <WorkspaceHead workspace={loaderData.workspace} heading={!ownHeading} canEdit={loaderData.canEdit} />
      <WorkspacePauseBanner
        controls={loaderData.stops}
        workspaceId={loaderData.workspace.id}

        canEdit={loaderData.canEdit}
      />
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
  const layout = loaderData as Route.ComponentProps["loaderData"] | undefined;
  return (
    <>
      {layout ? <WorkspaceHead workspace={layout.workspace} heading={false} canEdit={layout.canEdit} /> : null}
      <ErrorPage error={error} />
    </>
  );
}

/**
 * Viewers (read-only) get no Settings tab, which only changes things, and a
 * note saying why the board has no controls; the server refuses their writes
 * regardless.
 */
function WorkspaceHead({ workspace, heading, canEdit }: { workspace: Workspace; heading: boolean; canEdit: boolean }) {
  const base = `/w/${workspace.slug}`;
  const Name = heading ? "h1" : "p";
  return (
    <div className="ws-head" data-island-region="workspace-head">
      <Name className="ws-name">
        <span aria-hidden="true">{workspace.icon}</span> {workspace.name}
      </Name>
      <nav className="tabs" aria-label="Workspace">
        {/* The board does not hydrate: it loads as a document (decision 029). */}
        <NavLink to={base} end reloadDocument>
          Board
        </NavLink>
        <NavLink to={`${base}/feed`}>Live feed</NavLink>
        <NavLink to={`${base}/agents`}>Agents</NavLink>
        <NavLink to={`${base}/costs`}>Costs</NavLink>
        <NavLink to={`${base}/analytics`}>Analytics</NavLink>
        <NavLink to={`${base}/pipelines`}>Pipelines</NavLink>
        <NavLink to={`${base}/routines`}>Routines</NavLink>
        <NavLink to={`${base}/templates`}>Templates</NavLink>
        {canEdit ? <NavLink to={`${base}/settings`}>Settings</NavLink> : null}
      </nav>
      {canEdit ? null : (
        <span className="read-only-note" data-testid="read-only-note" title="The viewer role can look at everything here but change nothing.">
          Read only (viewer)
        </span>
      )}
      <ConnectionBadge />
    </div>
  );
}
