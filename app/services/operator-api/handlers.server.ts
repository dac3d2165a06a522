import { listAgents } from "#app/db/agents.server";
import { getCostSummary } from "#app/db/analytics.server";
import { listTaskComments } from "#app/db/comments.server";
import { getApproval } from "#app/db/governance.server";
import { type TaskDetail, getTask, updateTask } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { getWorkspaceBySlug, listWorkspaces } from "#app/db/workspaces.server";
import { LIST_PAGE } from "#app/domain/board-query";
import { parsePeriod } from "#app/domain/analytics";
import { AppError } from "#app/domain/errors";
import { zoneOr } from "#app/domain/time";
import { postComment } from "../comments/comments.server";
import { approvalsInbox, decide } from "../governance/approval-decisions.server";
import { moveTask } from "../governance/task-moves.server";
import { runHeartbeat } from "../orchestration/heartbeat.server";
import { heartbeatDeps } from "../runtime.server";
import { createTaskFrom } from "../tasks/task-create.server";
import { deleteTaskAndStopRun } from "../tasks/task-delete.server";
import { listTasksPage } from "../tasks/task-list.server";
import type { OperatorApiHandlers } from "./dispatch.server";

// What each operator API operation does (decision 050), through the same
// typed calls and services as the pages: the API is another door to the same
// rules, not a second implementation of them.

async function workspaceOf(db: Database, slug: string) {
  const workspace = await getWorkspaceBySlug(db, slug);
  if (!workspace) throw new AppError("not_found", "No workspace with that slug.");
  return workspace;
}

async function taskOf(db: Database, taskId: string): Promise<TaskDetail> {
  const task = await getTask(db, taskId);
  if (!task) throw new AppError("not_found", "No task with that id.");
  return task;
}

/** The fields sent, without those left out (an absent field keeps its value in SQL). */
function sent(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

export const operatorApiHandlers: OperatorApiHandlers = {
  listWorkspaces: async ({ rt }) => ({ workspaces: await listWorkspaces(rt.db) }),

  getWorkspace: async ({ rt, params }) => ({ workspace: await workspaceOf(rt.db, params.slug) }),

  listTasks: async ({ rt, user, params, query }) => {
    const workspace = await workspaceOf(rt.db, params.slug);
    const { list, page } = await listTasksPage(rt.db, workspace.id, query, zoneOr(user.time_zone));
    return { tasks: list.rows, total: list.total, page, per_page: LIST_PAGE };
  },

  createTask: async ({ rt, log, actor, params, body }) => {
    const workspace = await workspaceOf(rt.db, params.slug);
    const created = await createTaskFrom(rt.db, workspace.id, body, actor);
    log.info({ event: "task.created", task_id: created.id, status: created.status, via: "operator_api" }, "task created");
    return { task: await taskOf(rt.db, created.id) };
  },

  getTask: async ({ rt, params }) => ({ task: await taskOf(rt.db, params.taskId) }),

  updateTask: async ({ rt, actor, params, body }) => {
    await taskOf(rt.db, params.taskId);
    const saved = await updateTask(rt.db, params.taskId, sent(body), actor);
    return { task: await taskOf(rt.db, params.taskId), changed: saved.changed };
  },

  moveTask: async ({ rt, log, actor, params, body }) => {
    const task = await taskOf(rt.db, params.taskId);
    const deps = { db: rt.db, log, gateways: rt.gateways, settings: rt.env };
    // With `before` (null: the end of the lane) it places the card as the board does; without, as the task page does.
    const placement = body.before === undefined ? undefined : { before: body.before };
    const { result } = await moveTask(deps, task.id, body.status, actor, task.workspace_id, placement);
    return { task: await taskOf(rt.db, task.id), changed: result.changed };
  },

  deleteTask: async ({ rt, log, actor, params }) => {
    const task = await taskOf(rt.db, params.taskId);
    await deleteTaskAndStopRun({ db: rt.db, log, gateways: rt.gateways }, task, actor);
    return { deleted: true as const, task_id: task.id };
  },

  listComments: async ({ rt, params }) => {
    await taskOf(rt.db, params.taskId);
    return { comments: await listTaskComments(rt.db, params.taskId) };
  },

  createComment: async ({ rt, log, actor, params, body }) => {
    const task = await taskOf(rt.db, params.taskId);
    // The task's session lives on its agent's gateway (decision 052).
    const deps = { db: rt.db, log, gateway: await rt.gateways.forTask(task.id), publicUrl: rt.env.publicUrl };
    const written = await postComment(deps, task, body.body, body.in_reply_to ?? null, actor);
    return { comment: written.comment, mentions: written.new_mentions };
  },

  listApprovals: async ({ rt, query }) => ({ approvals: await approvalsInbox(rt.db, query.status ?? "pending") }),

  getApproval: async ({ rt, params }) => {
    const approval = await getApproval(rt.db, params.approvalId);
    if (!approval) throw new AppError("not_found", "No approval with that id.");
    return { approval };
  },

  decideApproval: async ({ rt, log, user, params, body }) => {
    await decide({ db: rt.db, log }, user, body.decision, { approvalId: params.approvalId, digest: body.digest, comment: body.comment });
    const approval = await getApproval(rt.db, params.approvalId);
    if (!approval) throw new AppError("not_found", "Approval not found.");
    return { approval };
  },

  listAgents: async ({ rt, params }) => {
    const workspace = await workspaceOf(rt.db, params.slug);
    return { agents: await listAgents(rt.db, workspace.id) };
  },

  getCosts: async ({ rt, params, query }) => {
    const workspace = await workspaceOf(rt.db, params.slug);
    return { costs: await getCostSummary(rt.db, workspace.id, parsePeriod(query.days ?? null)) };
  },

  // The heartbeat page's "Run now" for a key: the same run, triggered "manual"; a run under way answers skipped, as the cron endpoint does.
  runHeartbeat: async ({ rt, log }) => {
    if (rt.draining) throw new AppError("unavailable", "The server is shutting down.");
    return runHeartbeat(heartbeatDeps(rt, log), "manual");
  },
};
