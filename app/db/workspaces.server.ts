import type { SpendFigure } from "#app/domain/costs";
import type { TaskStatus } from "#app/domain/task-status";
import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for workspaces: the home list, the navigation, and their settings.

export interface WorkspaceSummary {
  id: string;
  slug: string;
  name: string;
  icon: string;
  created_at: string;
  task_counts: Partial<Record<TaskStatus, number>>;
  task_total: number;
  agent_count: number;
  /** Spend from the usage ledger: the last 30 UTC days (as on the Costs page) and in all. */
  spend: { d30: SpendFigure; total: SpendFigure };
}

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  icon: string;
}

export type WorkspaceNavItem = Pick<Workspace, "slug" | "name" | "icon">;

export const listWorkspaces = (db: Database) => db.rpc<WorkspaceSummary[]>("list_workspaces");

export const listWorkspaceNav = (db: Database) => db.rpc<WorkspaceNavItem[]>("list_workspace_nav");

export const getWorkspaceBySlug = (db: Database, slug: string) => db.rpc<Workspace | null>("get_workspace_by_slug", { p_slug: slug });

export const createWorkspace = (db: Database, input: { name: string; slug: string; icon: string }, actor: Actor) =>
  db.rpc<Workspace>("create_workspace", { p_name: input.name, p_slug: input.slug, p_icon: input.icon, p_actor: actor });

export const updateWorkspace = (db: Database, id: string, input: { name: string; icon: string }, actor: Actor) =>
  db.rpc<Workspace>("update_workspace", { p_workspace_id: id, p_name: input.name, p_icon: input.icon, p_actor: actor });

export const deleteWorkspace = (db: Database, id: string, actor: Actor) => db.rpc("delete_workspace", { p_workspace_id: id, p_actor: actor });

/** The hosts the testing stage may fetch for this workspace's URL deliverables (admins set them). */
export const getWorkspaceUrlAllowlist = (db: Database, workspaceId: string) =>
  db.rpc<string[] | null>("workspace_url_allowlist", { p_workspace_id: workspaceId });

export const setWorkspaceUrlAllowlist = (db: Database, workspaceId: string, hosts: string[], userId: string) =>
  db.rpc<{ id: string; url_allowlist: string[] }>("set_workspace_url_allowlist", { p_workspace_id: workspaceId, p_hosts: hosts, p_user_id: userId });
