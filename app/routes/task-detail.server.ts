import { cancelPlanning } from "#app/db/planning.server";
import { revokeStandingGrant } from "#app/db/governance.server";
import { retryDispatch } from "#app/db/dispatch.server";
import { z } from "zod";
import {
  addTaskDependency,
  addTaskUpload,
  deleteTaskUpload,
  getTask,
  removeTaskDependency,
  restoreTask,
  setTaskParent,
  updateTask,
} from "#app/db/tasks.server";
import { addBlockerSchema, removeBlockerSchema, setParentSchema } from "#app/domain/forms/task-links";
import { commentCreateSchema, commentDeleteSchema, commentEditSchema } from "#app/domain/forms/comments";
import { type CommentMention, deleteTaskComment } from "#app/db/comments.server";
import { editComment, postComment } from "#app/services/comments/comments.server";
import { listTaskApprovals } from "#app/db/governance.server";
import type { Actor } from "#app/db/actor";
import { type Role, roleAtLeast } from "#app/domain/roles";
import { budgetToast, saveBudget } from "#app/services/costs/budgets.server";
import { AppError } from "#app/domain/errors";
import { grantRevokeSchema } from "#app/domain/forms/approvals";
import { planningAnswerSchema, reassignSchema } from "#app/domain/forms/dispatch";
import { inlineFieldSchema, isInlineField, taskMoveSchema, taskUpdateSchema } from "#app/domain/forms/task";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { dispatchOne } from "#app/services/orchestration/dispatcher.server";
import type { Logger } from "#app/services/observability/logger.server";
import { answerPlanningQuestion, startPlanning } from "#app/services/orchestration/planning.server";
import type { Runtime } from "#app/services/runtime.server";
import { advanceStage, moveTask } from "#app/services/governance/task-moves.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { decideFromForm, decisionMessage, isDecisionIntent } from "#app/services/governance/approval-decisions.server";
import { removeTaskFile, storeUpload, taskDir } from "#app/services/agent-plane/task-files.server";
import { redirectDocumentWithToast, redirectWithToast } from "#app/services/http/toast.server";
import { type ToastInput, moveToast, quoted, refusedMoveMessage } from "#app/domain/toast";
import { STATUS_LABELS } from "#app/domain/task-status";
import { deleteTaskAndStopRun } from "#app/services/tasks/task-delete.server";
import { steerSchema } from "#app/domain/forms/steer";
import { steerTask } from "#app/services/orchestration/steering.server";

// The task page's forms, one intent each. Every one re-reads the task, so a
// stale page cannot act on a task that moved or left the workspace.

interface Ctx {
  rt: Runtime;
  log: Logger;
  actor: Actor;
  user: { id: string; role: Role };
  workspace: { id: string; slug: string };
  taskId: string;
  pathname: string;
}

export async function taskAction(ctx: Ctx, form: FormData) {
  const intent = String(form.get("intent") ?? "");
  const { rt, log, actor, workspace, taskId } = ctx;
  const db = rt.db;
  const dispatchDeps = { db, log, gateways: rt.gateways, settings: rt.env };
  // The task's session lives on its agent's gateway (decision 052).
  const gateway = await rt.gateways.forTask(taskId);
  const commentDeps = { db, log, gateway, publicUrl: rt.env.publicUrl };
  if (intent === "restore") return restore(ctx);
  let undoingMove = false;
  try {
    const task = found(await getTask(db, taskId), "Task");
    if (task.workspace_id !== workspace.id) found(null, "Task");
    const title = quoted(task.title);
    let toast: ToastInput = { kind: "success", message: `Saved ${title}.` };
    switch (intent) {
      case "move": {
        const parsed = parseForm(form, taskMoveSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        undoingMove = parsed.data.undo === "1";
        const { result } = await moveTask(dispatchDeps, taskId, parsed.data.status, actor, workspace.id);
        toast = moveToast({
          title: task.title,
          from: task.status,
          to: parsed.data.status,
          undoAction: ctx.pathname,
          wasUndo: undoingMove,
          nextStage: result.changed.includes("stage"),
        });
        break;
      }
      case "add-blocker": {
        const parsed = parseForm(form, addBlockerSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        const links = await addTaskDependency(db, taskId, parsed.data.blocked_by, actor);
        const blocker = links.blocked_by.find((b) => b.id === parsed.data.blocked_by);
        toast = { kind: "success", message: `${title} now waits on ${quoted(blocker?.title ?? "that task")}.` };
        break;
      }
      case "remove-blocker": {
        const parsed = parseForm(form, removeBlockerSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await removeTaskDependency(db, taskId, parsed.data.blocked_by, actor);
        toast = { kind: "success", message: `${title} no longer waits on that task.` };
        break;
      }
      case "set-parent": {
        const parsed = parseForm(form, setParentSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        const links = await setTaskParent(db, taskId, parsed.data.parent_id, actor);
        toast = { kind: "success", message: links.parent ? `${title} is a subtask of ${quoted(links.parent.title)}.` : `${title} is no longer a subtask.` };
        break;
      }
      case "comment": {
        const parsed = parseForm(form, commentCreateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        const written = await postComment(commentDeps, task, parsed.data.body, parsed.data.in_reply_to ?? null, actor);
        return redirectWithToast(`${ctx.pathname}#comment-${written.comment.id}`, {
          kind: "success",
          message: commentToast("Comment posted", written.new_mentions),
        });
      }
      case "comment-edit": {
        const parsed = parseForm(form, commentEditSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        const written = await editComment(commentDeps, task, parsed.data.comment_id, parsed.data.body, actor);
        return redirectWithToast(`${ctx.pathname}#comment-${written.comment.id}`, {
          kind: "success",
          message: written.changed === false ? "Nothing to change in the comment." : commentToast("Comment saved", written.new_mentions),
        });
      }
      case "comment-delete": {
        const parsed = parseForm(form, commentDeleteSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await deleteTaskComment(db, parsed.data.comment_id, taskId, workspace.id, actor);
        return redirectWithToast(`${ctx.pathname}#comment-${parsed.data.comment_id}`, { kind: "success", message: "Comment deleted." });
      }
      case "advance":
        await advanceStage({ db, log, settings: rt.env }, taskId, actor);
        toast = { kind: "success", message: `Moved ${title} on to its next stage.` };
        break;
      case "update": {
        const parsed = parseForm(form, taskUpdateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        // A refusal (e.g. lowering the task's governance without the role) keeps what was typed: see the catch below.
        const saved = await updateTask(db, taskId, parsed.data, actor);
        toast = { kind: "success", message: saved.changed.length === 0 ? `Nothing to change in ${title}.` : `Saved ${title}.` };
        break;
      }
      case "delete-upload": {
        const parsed = parseForm(form, uploadDeleteSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        // Own upload or an admin: checked in SQL, which removes the record first; then the file goes.
        const removed = await deleteTaskUpload(db, parsed.data.upload_id, taskId, ctx.user.id);
        await removeTaskFile(rt.env.filesDir, taskId, removed.path);
        log.info({ event: "task.file_removed", task_id: taskId, path: removed.path }, "operator removed an attached file");
        toast = { kind: "success", message: `Removed ${quoted(removed.path)}.` };
        break;
      }
      case "delete":
        // Deleted tasks stay restorable for the undo window (decision 031).
        await deleteTaskAndStopRun(dispatchDeps, task, actor);
        return redirectDocumentWithToast(`/w/${workspace.slug}`, {
          kind: "success",
          message: `Deleted ${title}.`,
          undo: { action: ctx.pathname, fields: { intent: "restore" } },
        });
      case "dispatch":
        await dispatchOne(dispatchDeps, taskId);
        toast = { kind: "success", message: `Dispatched ${title} to ${task.assignee?.name ?? "its agent"}.` };
        break;
      case "retry":
      case "reassign": {
        let agentId: string | null = null;
        if (intent === "reassign") {
          const parsed = parseForm(form, reassignSchema);
          if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
          agentId = parsed.data.agent_id;
        }
        await retryDispatch(db, taskId, agentId, actor);
        await dispatchOne(dispatchDeps, taskId);
        toast = { kind: "success", message: intent === "retry" ? `Dispatched ${title} again.` : `Reassigned and dispatched ${title}.` };
        break;
      }
      case "start-planning":
        await startPlanning({ db, gateway }, taskId);
        toast = { kind: "success", message: `Planning started for ${title}.` };
        break;
      case "answer": {
        const parsed = parseForm(form, planningAnswerSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await answerPlanningQuestion({ db, gateway }, taskId, parsed.data.question_id, parsed.data.answer, actor);
        toast = { kind: "success", message: "Answer sent to the planner." };
        break;
      }
      case "revoke-grant": {
        const parsed = parseForm(form, grantRevokeSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        // Approver role and the grant belonging to a live grant are checked in SQL.
        await revokeStandingGrant(db, parsed.data.grant_id, actor.id ?? null);
        toast = { kind: "success", message: "Standing grant revoked." };
        break;
      }
      case "budget": {
        const refused = await saveBudget(db, ctx.user, actor, "task", taskId, form);
        if (refused) return refused;
        toast = { kind: "success", message: budgetToast(form) };
        break;
      }
      case "steer": {
        const parsed = parseForm(form, steerSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        await steerTask({ db, log, gateway }, task, parsed.data.message, actor);
        return redirectWithToast(`${ctx.pathname}#transcript`, { kind: "success", message: `Message sent to ${task.assignee?.name ?? "the agent"}.` });
      }
      case "cancel-planning":
        await cancelPlanning(db, taskId, actor);
        log.info({ event: "task.state_changed", task_id: taskId, from: "planning", to: "inbox", actor: actor.type }, "planning cancelled");
        toast = { kind: "success", message: `Planning cancelled: ${title} is back in ${STATUS_LABELS.inbox}.` };
        break;
      default: {
        if (intent.startsWith("edit-")) {
          // One field, edited in place: only that field is sent to update_task, so nothing else changes.
          const field = intent.slice("edit-".length);
          if (!isInlineField(field)) return invalidForm({}, undefined, intent);
          const parsed = parseForm(form, inlineFieldSchema(field));
          if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
          await updateTask(db, taskId, parsed.data as Record<string, unknown>, actor);
          return redirectWithToast(`${ctx.pathname}?saved=${field}`, { kind: "success", message: `Saved the ${field} of ${title}.` });
        }
        if (isDecisionIntent(intent)) {
          if (!roleAtLeast(ctx.user.role, "approver")) throw new AppError("forbidden", "Approving and denying needs the approver role.");
          const waiting = new Set((await listTaskApprovals(db, taskId)).map((a) => a.id));
          const decided = await decideFromForm({ db, log }, ctx.user, intent, form, (id) => waiting.has(id));
          if (!decided.ok) return invalidForm(decided.errors, undefined, intent);
          return redirectWithToast(`${ctx.pathname}#approvals`, { kind: "success", message: decisionMessage(intent) });
        }
        return invalidForm({}, undefined, intent);
      }
    }
    return redirectWithToast(ctx.pathname, toast);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (undoingMove) error.message = refusedMoveMessage(error.message, true);
    // A refused edit comes back with what was typed, not blank fields.
    const keepsValues = intent === "update" || intent === "steer" || intent.startsWith("edit-") || intent === "comment" || intent === "comment-edit";
    return actionFailure(error, keepsValues ? submittedValues(form) : undefined, intent);
  }
}

/** The toast after a comment: who its mentions reached, and who waits for the task's next dispatch. */
function commentToast(done: string, mentions: CommentMention[]): string {
  const agents = mentions.filter((m) => m.kind === "agent");
  const delivered = agents.filter((m) => m.delivery === "delivered").map((m) => m.name);
  const queued = agents.filter((m) => m.delivery === "queued").map((m) => m.name);
  const parts = [done];
  if (delivered.length) parts.push(`sent to ${delivered.join(", ")}`);
  if (queued.length) parts.push(`${queued.join(", ")} will get it with the task's next dispatch`);
  return `${parts.join("; ")}.`;
}

const uploadDeleteSchema = z.object({ upload_id: z.uuid({ error: "Unknown file" }) }).strict();

/**
 * The attach form (multipart): the file is streamed into the task's folder
 * exactly as an agent's upload is (storeUpload), then recorded with who sent
 * it; a refusal after storing takes the file back.
 */
export async function taskUpload(ctx: Ctx, request: Request) {
  const { rt, log, workspace, taskId } = ctx;
  const intent = "upload";
  try {
    const task = found(await getTask(rt.db, taskId), "Task");
    if (task.workspace_id !== workspace.id) found(null, "Task");
    const dir = await taskDir(rt.env.filesDir, taskId);
    const { file, fields } = await storeUpload(request, dir, rt.env.UPLOAD_MAX_BYTES);
    if (fields.get("intent") !== intent) {
      await file.discard();
      return invalidForm({}, undefined, String(fields.get("intent") ?? ""));
    }
    await addTaskUpload(rt.db, taskId, file, ctx.user.id).catch(async (error: unknown) => {
      await file.discard();
      throw error;
    });
    log.info({ event: "task.file_uploaded", task_id: taskId, path: file.path, size: file.size }, "operator attached a file");
    return redirectWithToast(`${ctx.pathname}?saved=upload#files`, { kind: "success", message: `Attached ${quoted(file.path)}.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, intent);
    throw error;
  }
}

/** The toast's Undo after a delete: brings the task back, exactly as it was, within the undo window. */
async function restore(ctx: Ctx) {
  const { rt, actor, log, workspace, taskId } = ctx;
  try {
    const restored = await restoreTask(rt.db, taskId, workspace.id, actor);
    log.info({ event: "task.restored", task_id: taskId }, "task restored");
    return redirectWithToast(ctx.pathname, { kind: "info", message: `Restored ${quoted(restored.title)}.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, "restore");
    throw error;
  }
}
