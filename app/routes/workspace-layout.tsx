import { NavLink, Outlet } from "react-router";
import { ConnectionBadge } from "#app/components/live-events";
import { operator } from "#app/services/auth/operator.server";
import { loadWorkspace } from "#app/services/workspace.server";
import type { Route } from "./+types/workspace-layout";

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  return { workspace: await loadWorkspace(db, params.slug), canEdit: user.role !== "viewer" };
}

export default function WorkspaceLayout({ loaderData }: Route.ComponentProps) {
  const { workspace } = loaderData;
  const base = `/w/${workspace.slug}`;
  return (
    <>
      <div className="ws-head">
        <h1 className="ws-name">
          <span aria-hidden="true">{workspace.icon}</span> {workspace.name}
        </h1>
        <nav className="tabs" aria-label="Workspace">
          <NavLink to={base} end>Board</NavLink>
          <NavLink to={`${base}/feed`}>Live feed</NavLink>
          <NavLink to={`${base}/agents`}>Agents</NavLink>
          <NavLink to={`${base}/costs`}>Costs</NavLink>
          <NavLink to={`${base}/analytics`}>Analytics</NavLink>
          <NavLink to={`${base}/pipelines`}>Pipelines</NavLink>
          <NavLink to={`${base}/settings`}>Settings</NavLink>
        </nav>
        <ConnectionBadge />
      </div>
      <Outlet />
    </>
  );
}
