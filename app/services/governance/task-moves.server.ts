import { requestDoneApproval } from "#app/db/governance.server";
import { getTask, updateTask } from "#app/db/tasks.server";
import { requestStageAdvance } from "#app/db/pipelines.server";
import type { Actor } from "#app/db/actor";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { type TaskStatus, checkTransition, describeTransitionError } from "#app/domain/task-status";
import type { Env } from "#app/env.server";
import type { Logger } from "../observability/logger.server";
import type { GatewayLookup } from "../agent-plane/gateway-registry.server";
import { abortTaskRun } from "../orchestration/run-aborts.server";

/** What a manual move reads: a gated move opens an approval that lasts APPROVAL_TTL_MINUTES. */
export interface TaskMoveDeps {
  db: Database;
  log: Logger;
  settings: Pick<Env, "approvalTtlSeconds">;
  /** Where a cancelled task's run is stopped: its agent's gateway (none configured: the abort is recorded as failed). */
  gateways: GatewayLookup;
}

/**
 * One path for every manual status change: the domain rule gives a readable
 * refusal before the write, and the SQL trigger enforces the same rule inside
 * the transaction, so a race can still only end in a legal state.
 */
/**
 * Where the board places the card: before that card of the target lane, or
 * at its end (null). Absent (the task page's move), the task keeps its place
 * in the workspace's order.
 */
export interface Placement {
  before: string | null;
}

export async function moveTask(deps: TaskMoveDeps, taskId: string, to: TaskStatus, actor: Actor, workspaceId?: string, placement?: Placement) {
  const { db, log, settings } = deps;
  const task = await getTask(db, taskId);
  if (!task || (workspaceId && task.workspace_id !== workspaceId)) throw new AppError("not_found", "Task not found.");
  // The same lane with a place: a reorder, not a status change (no feed line, one task.updated event).
  if (placement && to === task.status) {
    const result = await updateTask(db, taskId, { before: placement.before }, actor);
    return { task, result };
  }
  // On a pipeline, "done" before the last stage means: on to the next stage.
  if (to === "done" && task.status === "review" && hasNextStage(task.pipeline)) {
    return { task, result: await advanceStage(deps, taskId, actor) };
  }
  const check = checkTransition(task.status, to, task.assignee !== null);
  if (!check.ok) {
    throw new AppError(check.reason === "needs_assignee" ? "invalid" : "conflict", describeTransitionError(task.status, to, check), {
      from: task.status,
      to,
      allowed: check.allowed,
    });
  }
  try {
    const result = await updateTask(db, taskId, placement ? { status: to, before: placement.before } : { status: to }, actor);
    log.info({ event: "task.state_changed", task_id: taskId, from: task.status, to, actor: actor.type }, "task moved");
    if (to === "cancelled") await abortTaskRun(deps, task, actor, "task_cancelled");
    return { task, result };
  } catch (error) {
    const needs = error instanceof AppError ? (error.details as { needs_approval?: string } | undefined)?.needs_approval : undefined;
    if (needs !== "task.review_done" || actor.type !== "user") throw error;
    // A gated "done": ask the approvers instead, once per review round.
    const approval = await requestDoneApproval(db, taskId, actor.id, settings.approvalTtlSeconds);
    throw new AppError(
      "conflict",
      approval.mode === "hotl"
        ? "This task type lets approvers veto: it will be marked done when the veto window closes, unless someone objects."
        : "Marking this task done needs an approver: a request is waiting in Approvals.",
      { approval_id: approval.id, needs_approval: needs },
    );
  }
}

function hasNextStage(pipeline: { position: number; stages: Array<{ position: number }> } | null): boolean {
  return pipeline !== null && pipeline.stages.some((s) => s.position > pipeline.position);
}

/** Advances a pipeline task in review to its next stage, through the stage_advance gate. */
export async function advanceStage({ db, log, settings }: Pick<TaskMoveDeps, "db" | "log" | "settings">, taskId: string, actor: Actor) {
  const result = await requestStageAdvance(db, taskId, actor, settings.approvalTtlSeconds);
  if (result.advanced) {
    log.info({ event: "task.stage_advanced", task_id: taskId, actor: actor.type }, "task advanced to its next stage");
    return { id: taskId, status: "assigned" as const, changed: ["status", "stage"] };
  }
  throw new AppError(
    "conflict",
    result.gate === "hotl"
      ? "The advance to the next stage runs when the veto window closes, unless an approver objects."
      : "Advancing to the next stage needs an approver: a request is waiting in Approvals.",
    { approval_id: result.approval?.id, needs_approval: "task.stage_advance" },
  );
}
