import type { MiddlewareFunction } from "react-router";
import { requestContext, workspaceContext } from "#app/context.server";
import type { Database } from "#app/db/types";
import { isUuid } from "#app/domain/ids";
import { found } from "./http/page-errors.server";
import type { WorkspaceCache } from "./workspace-cache.server";

const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** The workspace named in the URL, or a 404 page. */
async function loadWorkspace(db: Database, workspaces: WorkspaceCache, slug: string | undefined) {
  if (!slug || !SLUG.test(slug)) found(null, "Workspace");
  return found(await workspaces.bySlug(db, slug!), "Workspace");
}

/**
 * The workspace layout's middleware: every page and file route under
 * /w/:slug reads the workspace from workspaceContext, looked up once per
 * request here. An unknown slug is a 404 before any of their loaders run.
 */
export const workspaceMiddleware: MiddlewareFunction<Response> = async ({ context, params }, next) => {
  const { rt } = context.get(requestContext);
  context.set(workspaceContext, await loadWorkspace(rt.db, rt.workspaces, params.slug));
  return next();
};

/** A path id that is not a uuid cannot name anything: 404, not a database error. */
export function pathId(value: string | undefined, what: string): string {
  if (!isUuid(value)) found(null, what);
  return value!.toLowerCase();
}
