import { getTask, updateTask } from "#app/db/api.server";
import type { Actor } from "#app/db/rows";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { type TaskStatus, checkTransition, describeTransitionError } from "#app/domain/task-status";
import type { Logger } from "./logger.server";

/**
 * One path for every manual status change: the domain rule gives a readable
 * refusal before the write, and the SQL trigger enforces the same rule inside
 * the transaction, so a race can still only end in a legal state.
 */
const approvalTtlSeconds = 60 * 60;

export async function moveTask(db: Database, log: Logger, taskId: string, to: TaskStatus, actor: Actor, workspaceId?: string) {
  const task = await getTask(db, taskId);
  if (!task || (workspaceId && task.workspace_id !== workspaceId)) throw new AppError("not_found", "Task not found.");
  const check = checkTransition(task.status, to, task.assignee !== null);
  if (!check.ok) {
    throw new AppError(check.reason === "needs_assignee" ? "invalid" : "conflict", describeTransitionError(task.status, to, check), {
      from: task.status,
      to,
      allowed: check.allowed,
    });
  }
  try {
    const result = await updateTask(db, taskId, { status: to }, actor);
    log.info({ event: "task.state_changed", task_id: taskId, from: task.status, to, actor: actor.type }, "task moved");
    return { task, result };
  } catch (error) {
    const needs = error instanceof AppError ? (error.details as { needs_approval?: string } | undefined)?.needs_approval : undefined;
    if (needs !== "task.review_done" || actor.type !== "user") throw error;
    // A gated "done": ask the approvers instead, once per review round.
    const approval = await db.rpc<{ id: string; mode: string; veto_until: string | null }>("request_done_approval", {
      p_task_id: taskId,
      p_user_id: actor.id,
      p_ttl_seconds: approvalTtlSeconds,
    });
    throw new AppError(
      "conflict",
      approval.mode === "hotl"
        ? "This task type lets approvers veto: it will be marked done when the veto window closes, unless someone objects."
        : "Marking this task done needs an approver: a request is waiting in Approvals.",
      { approval_id: approval.id, needs_approval: needs },
    );
  }
}
