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
  const result = await updateTask(db, taskId, { status: to }, actor);
  log.info({ event: "task.state_changed", task_id: taskId, from: task.status, to, actor: actor.type }, "task moved");
  return { task, result };
}
