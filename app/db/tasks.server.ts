import type { Priority } from "#app/domain/priority";
import type { TaskStatus } from "#app/domain/task-status";
import type { Provenance } from "#app/domain/costs";
import type { Actor } from "./actor";
import type { BudgetStatus, UsageRecord, UsageRun } from "./costs.server";
import type { Approval } from "./governance.server";
import type { Database } from "./types";
import type { Workspace } from "./workspaces.server";

// Typed calls for tasks: the board, one task with everything its page shows,
// and the writes an operator makes to a task.

export interface TaskCard {
  id: string;
  title: string;
  status: TaskStatus;
  priority: Priority;
  due_at: string | null;
  alert_reason: string | null;
  created_at: string;
  updated_at: string;
  status_changed_at: string;
  token_usage: number;
  estimated_cost: number;
  /** How sure the cost is: the weakest provenance among the task's usage records; null with none. */
  cost_provenance: Provenance | null;
  assignee: { id: string; name: string; emoji: string; status: string } | null;
  /** The task's pipeline and current stage, null outside a pipeline. */
  pipeline: TaskPipeline | null;
  /** Normalised lower-case labels (app/domain/labels.ts). */
  labels: string[];
  /** It waits on a task that is still open (decision 044): never dispatched meanwhile. */
  blocked: boolean;
  /** A parent's subtasks, done out of those not cancelled; null for a task without subtasks. */
  subtasks: { done: number; total: number } | null;
}

export interface TaskPipeline {
  id: string;
  name: string;
  stage_id: string;
  position: number;
  stages: Array<{ id: string; position: number; name: string }>;
}

export interface Board {
  counts: Record<TaskStatus, number>;
  columns: Record<TaskStatus, TaskCard[]>;
  /** Per lane, the ids of the (up to two) cards just past the ones sent: where "Move down" goes from the last cards shown. */
  beyond: Record<TaskStatus, string[]>;
}

/** A row of the list view: a card with its task type. */
export type TaskRow = TaskCard & { task_type: { id: string; name: string } | null };

export interface TaskList {
  total: number;
  rows: TaskRow[];
}

export interface SavedView {
  id: string;
  name: string;
  /** The query string, with its leading "?" (app/domain/board-query.ts writes it). */
  query: string;
}

/** A card on the board's "needs you" strip. */
export type NeedsYouCard = TaskCard & { pending_approvals: number };

export interface Activity {
  id: string;
  type: string;
  message: string;
  metadata: Record<string, unknown>;
  actor_type: Actor["type"];
  actor_name: string;
  created_at: string;
}

export interface Deliverable {
  id: string;
  type: "file" | "url" | "artifact";
  title: string;
  path: string | null;
  url: string | null;
  description: string;
  created_at: string;
}

export interface TaskDetail extends TaskCard {
  workspace_id: string;
  description: string;
  workspace: Workspace;
  allowed_statuses: TaskStatus[];
  activities: Activity[];
  deliverables: Deliverable[];
  assignee_openclaw_id: string | null;
  planning_spec: Record<string, unknown> | null;
  session_key: string | null;
  run_id: string | null;
  dispatch_attempts: number;
  last_dispatch_error: string | null;
  next_dispatch_at: string | null;
  lease_expires_at: string | null;
  dispatched_at: string | null;
  test_step: boolean;
  usage: UsageRecord[];
  usage_runs: UsageRun[];
  budget: BudgetStatus;
  approvals: Approval[];
}

/** The task a session belongs to, with the run it is waiting for. */
export interface SessionTask {
  id: string;
  status: string;
  current_run_id: string | null;
}

/** The board, of the tasks that pass the filter (app/domain/board-query.ts sqlFilter; empty: all). */
export const getBoard = (db: Database, workspaceId: string, limits: Record<string, number> = {}, filter: Record<string, string> = {}) =>
  db.rpc<Board>("get_board", { p_workspace_id: workspaceId, p_limits: limits, p_filter: filter });

export interface ListPage {
  filter: Record<string, string>;
  /** A column of the list, or "board" for the board's order. */
  sort: string;
  dir: "asc" | "desc";
  limit: number;
  offset: number;
}

export const listTasks = (db: Database, workspaceId: string, page: ListPage) =>
  db.rpc<TaskList>("list_tasks", {
    p_workspace_id: workspaceId,
    p_filter: page.filter,
    p_sort: page.sort,
    p_dir: page.dir,
    p_limit: page.limit,
    p_offset: page.offset,
  });

export const listSavedViews = (db: Database, workspaceId: string, userId: string) =>
  db.rpc<SavedView[]>("list_saved_views", { p_workspace_id: workspaceId, p_user_id: userId });

export const saveView = (db: Database, workspaceId: string, userId: string, name: string, query: string) =>
  db.rpc<SavedView>("save_view", { p_workspace_id: workspaceId, p_user_id: userId, p_name: name, p_query: query });

export const deleteSavedView = (db: Database, workspaceId: string, userId: string, viewId: string) =>
  db.rpc<{ id: string; deleted: true }>("delete_saved_view", { p_workspace_id: workspaceId, p_user_id: userId, p_view_id: viewId });

export const getNeedsYou = (db: Database, workspaceId: string, limit: number) =>
  db.rpc<NeedsYouCard[]>("get_needs_you", { p_workspace_id: workspaceId, p_limit: limit });

/** A task found by the command palette's search. */
export interface TaskHit {
  id: string;
  title: string;
  status: TaskStatus;
}

export const searchTasks = (db: Database, workspaceId: string, query: string, limit: number) =>
  db.rpc<TaskHit[]>("search_tasks", { p_workspace_id: workspaceId, p_query: query, p_limit: limit });

export const getTask = (db: Database, taskId: string) => db.rpc<TaskDetail | null>("get_task_by_id", { p_task_id: taskId });

export const findTaskBySession = (db: Database, sessionKey: string) => db.rpc<SessionTask | null>("find_task_by_session", { p_session_key: sessionKey });

export const createTask = (db: Database, workspaceId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<{ id: string; status: string }>("create_task", { p_workspace_id: workspaceId, p_fields: fields, p_actor: actor });

export const updateTask = (db: Database, taskId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<{ id: string; status: string; changed: string[] }>("update_task", { p_task_id: taskId, p_fields: fields, p_actor: actor });

/** Hides the task for the undo window; purgeDeletedTasks removes it after. */
export const deleteTask = (db: Database, taskId: string, actor: Actor) =>
  db.rpc<{ id: string; deleted: true; deleted_at: string }>("delete_task", { p_task_id: taskId, p_actor: actor });

/** The undo of a delete, within the window: the task comes back as it was. */
export const restoreTask = (db: Database, taskId: string, workspaceId: string, actor: Actor) =>
  db.rpc<{ id: string; title: string; status: string }>("restore_task", { p_task_id: taskId, p_workspace_id: workspaceId, p_actor: actor });

/** Removes for good the tasks deleted longer ago than the undo window; answers how many. */
export const purgeDeletedTasks = (db: Database, olderThanS: number, limit = 100) =>
  db.rpc<number>("purge_deleted_tasks", { p_older_than_s: olderThanS, p_limit: limit });

export interface TaskActivityInput {
  type: string;
  message: string;
  metadata: Record<string, unknown>;
  actor: Actor;
}

export const logTaskActivity = (db: Database, taskId: string, activity: TaskActivityInput) =>
  db.rpc("log_task_activity", {
    p_task_id: taskId,
    p_type: activity.type,
    p_message: activity.message,
    p_metadata: activity.metadata,
    p_actor: activity.actor,
  });

/** The labels in use in a workspace (the most used 200), alphabetical. */
export const listTaskLabels = (db: Database, workspaceId: string) => db.rpc<string[]>("list_task_labels", { p_workspace_id: workspaceId });
/** A file an operator attached to a task for its agent, stored in the task's folder under `path`. */
export interface TaskUpload {
  id: string;
  task_id: string;
  path: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: string | null;
  uploaded_by_name: string;
  created_at: string;
}

export const listTaskUploads = (db: Database, taskId: string) => db.rpc<TaskUpload[]>("list_task_uploads", { p_task_id: taskId });

export const addTaskUpload = (db: Database, taskId: string, file: { path: string; size: number; sha256: string }, userId: string) =>
  db.rpc<TaskUpload>("add_task_upload", { p_task_id: taskId, p_path: file.path, p_size: file.size, p_sha256: file.sha256, p_user_id: userId });

export const deleteTaskUpload = (db: Database, uploadId: string, taskId: string, userId: string) =>
  db.rpc<TaskUpload>("delete_task_upload", { p_upload_id: uploadId, p_task_id: taskId, p_user_id: userId });

/** One deliverable check's result as the testing stage recorded it, with the deliverable it judged. */
export interface TaskCheckResult {
  deliverable_id: string;
  kind: "file" | "url" | "html" | "skipped";
  ok: boolean;
  reason: string | null;
  message: string;
  details?: Record<string, unknown>;
  /** The deliverable's title, address and path now (null if it is gone). */
  title: string | null;
  url: string | null;
  path: string | null;
}

/** The task's latest deliverable checks. */
export interface TaskChecks {
  verdict: "pass" | "fail" | "partial" | "none_checkable";
  checked_at: string;
  results: TaskCheckResult[];
}

export const getTaskChecks = (db: Database, taskId: string) => db.rpc<TaskChecks | null>("get_task_checks", { p_task_id: taskId });

// ---------------------------------------------------------------------------
// Dependencies and subtasks (decision 044)

export interface TaskLink {
  id: string;
  title: string;
  status: TaskStatus;
  /** Not done and not cancelled: a blocker that still holds. */
  open: boolean;
}

export interface TaskLinks {
  /** Some task it waits on is still open: it is not dispatched. */
  blocked: boolean;
  blocked_by: TaskLink[];
  blocking: TaskLink[];
  parent: TaskLink | null;
  subtasks: TaskLink[];
  /** Done subtasks out of those not cancelled. */
  progress: { done: number; total: number };
}

export const getTaskLinks = (db: Database, taskId: string) => db.rpc<TaskLinks>("get_task_links", { p_task_id: taskId });

/** "taskId waits on blockedById"; refused (conflict, with the chain) when it would close a cycle. */
export const addTaskDependency = (db: Database, taskId: string, blockedById: string, actor: Actor) =>
  db.rpc<TaskLinks & { added: boolean }>("add_task_dependency", { p_task_id: taskId, p_blocked_by_id: blockedById, p_actor: actor });

export const removeTaskDependency = (db: Database, taskId: string, blockedById: string, actor: Actor) =>
  db.rpc<TaskLinks>("remove_task_dependency", { p_task_id: taskId, p_blocked_by_id: blockedById, p_actor: actor });

/** Makes the task a subtask of parentId (null: of none). */
export const setTaskParent = (db: Database, taskId: string, parentId: string | null, actor: Actor) =>
  db.rpc<TaskLinks>("set_task_parent", { p_task_id: taskId, p_parent_id: parentId, p_actor: actor });
