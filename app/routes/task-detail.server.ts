import { cancelPlanning } from "#app/db/planning.server";
import { revokeStandingGrant } from "#app/db/governance.server";
import { retryDispatch } from "#app/db/dispatch.server";
import { redirect, redirectDocument } from "react-router";
import { z } from "zod";
import { addTaskUpload, deleteTask, deleteTaskUpload, getTask, updateTask } from "#app/db/tasks.server";
import { listTaskApprovals } from "#app/db/governance.server";
import type { Actor } from "#app/db/actor";
import { type Role, roleAtLeast } from "#app/domain/roles";
import { saveBudget } from "#app/services/costs/budgets.server";
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
import { decideFromForm, isDecisionIntent } from "#app/services/governance/approval-decisions.server";
import { removeTaskFile, storeUpload, taskDir } from "#app/services/agent-plane/task-files.server";

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
  const dispatchDeps = { db, log, gateway: rt.gateway, settings: rt.env };
  try {
    const task = found(await getTask(db, taskId), "Task");
    if (task.workspace_id !== workspace.id) found(null, "Task");
    switch (intent) {
      case "move": {
        const parsed = parseForm(form, taskMoveSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await moveTask({ db, log, settings: rt.env }, taskId, parsed.data.status, actor, workspace.id);
        break;
      }
      case "advance":
        await advanceStage({ db, log, settings: rt.env }, taskId, actor);
        break;
      case "update": {
        const parsed = parseForm(form, taskUpdateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        // A refusal (e.g. lowering the task's governance without the role) keeps what was typed: see the catch below.
        await updateTask(db, taskId, parsed.data, actor);
        break;
      }
      case "delete-upload": {
        const parsed = parseForm(form, uploadDeleteSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        // Own upload or an admin: checked in SQL, which removes the record first; then the file goes.
        const removed = await deleteTaskUpload(db, parsed.data.upload_id, taskId, ctx.user.id);
        await removeTaskFile(rt.env.filesDir, taskId, removed.path);
        log.info({ event: "task.file_removed", task_id: taskId, path: removed.path }, "operator removed an attached file");
        break;
      }
      case "delete":
        await deleteTask(db, taskId, actor);
        log.info({ event: "task.deleted", task_id: taskId }, "task deleted");
        return redirectDocument(`/w/${workspace.slug}`);
      case "dispatch":
        await dispatchOne(dispatchDeps, taskId);
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
        break;
      }
      case "start-planning":
        await startPlanning({ db, gateway: rt.gateway }, taskId);
        break;
      case "answer": {
        const parsed = parseForm(form, planningAnswerSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await answerPlanningQuestion({ db, gateway: rt.gateway }, taskId, parsed.data.question_id, parsed.data.answer, actor);
        break;
      }
      case "revoke-grant": {
        const parsed = parseForm(form, grantRevokeSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        // Approver role and the grant belonging to a live grant are checked in SQL.
        await revokeStandingGrant(db, parsed.data.grant_id, actor.id ?? null);
        break;
      }
      case "budget": {
        const refused = await saveBudget(db, ctx.user, actor, "task", taskId, form);
        if (refused) return refused;
        break;
      }
      case "cancel-planning":
        await cancelPlanning(db, taskId, actor);
        break;
      default: {
        if (intent.startsWith("edit-")) {
          // One field, edited in place: only that field is sent to update_task, so nothing else changes.
          const field = intent.slice("edit-".length);
          if (!isInlineField(field)) return invalidForm({}, undefined, intent);
          const parsed = parseForm(form, inlineFieldSchema(field));
          if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
          await updateTask(db, taskId, parsed.data as Record<string, unknown>, actor);
          return redirect(`${ctx.pathname}?saved=${field}`);
        }
        if (isDecisionIntent(intent)) {
          if (!roleAtLeast(ctx.user.role, "approver")) throw new AppError("forbidden", "Approving and denying needs the approver role.");
          const waiting = new Set((await listTaskApprovals(db, taskId)).map((a) => a.id));
          const decided = await decideFromForm({ db, log }, ctx.user, intent, form, (id) => waiting.has(id));
          if (!decided.ok) return invalidForm(decided.errors, undefined, intent);
          return redirect(`${ctx.pathname}#approvals`);
        }
        return invalidForm({}, undefined, intent);
      }
    }
    return redirect(ctx.pathname);
  } catch (error) {
    // A refused edit comes back with what was typed, not blank fields.
    const keepsValues = intent === "update" || intent.startsWith("edit-");
    if (error instanceof AppError) return actionFailure(error, keepsValues ? submittedValues(form) : undefined, intent);
    throw error;
  }
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
    return redirect(`${ctx.pathname}?saved=upload#files`);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, intent);
    throw error;
  }
}
