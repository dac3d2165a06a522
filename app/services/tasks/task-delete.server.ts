import type { Actor } from "#app/db/actor";
import { type TaskDetail, deleteTask } from "#app/db/tasks.server";
import { type RunAbortDeps, abortTaskRun } from "../orchestration/run-aborts.server";

/**
 * Deletes a task (restorable for the undo window, decision 031) and stops its
 * run, from the task page or the operator API alike.
 */
export async function deleteTaskAndStopRun(deps: RunAbortDeps, task: TaskDetail, actor: Actor): Promise<void> {
  await deleteTask(deps.db, task.id, actor);
  deps.log.info({ event: "task.deleted", task_id: task.id }, "task deleted");
  await abortTaskRun(deps, task, actor, "task_deleted");
}
