import { getWorkspaceBySlug } from "#app/db/workspaces.server";
import type { Database } from "#app/db/types";
import { isUuid } from "#app/domain/ids";
import { found } from "./http/page-errors.server";

const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** The workspace named in the URL, or a 404 page. */
export async function loadWorkspace(db: Database, slug: string | undefined) {
  if (!slug || !SLUG.test(slug)) found(null, "Workspace");
  return found(await getWorkspaceBySlug(db, slug!), "Workspace");
}


/** A path id that is not a uuid cannot name anything: 404, not a database error. */
export function pathId(value: string | undefined, what: string): string {
  if (!isUuid(value)) found(null, what);
  return value!.toLowerCase();
}
