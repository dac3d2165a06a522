import { type RouterContextProvider, data } from "react-router";
import { listAgents } from "#app/db/agents.server";
import type { Actor } from "#app/db/actor";
import { listTaskTypes } from "#app/db/governance.server";
import { createTask, deleteSavedView, getBoard, getNeedsYou, listSavedViews, listTaskLabels, saveView } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { BOARD_PAGE, type BoardQuery, sqlFilter, viewQuery } from "#app/domain/board-query";
import { listTasksPage } from "#app/services/tasks/task-list.server";
import { parseBoardQuery } from "#app/domain/forms/board-query";
import { AppError } from "#app/domain/errors";
import { SAVED_VIEW_LIMITS } from "#app/domain/field-limits";
import { boardMoveSchema, quickAddSchema } from "#app/domain/forms/task";
import { parseForm } from "#app/domain/forms/parse";
import { TASK_STATUSES } from "#app/domain/task-status";
import type { Logger } from "#app/services/observability/logger.server";
import { type TaskMoveDeps, moveTask } from "#app/services/governance/task-moves.server";
import { z } from "zod";
import { moveToast, quoted, refusedMoveMessage } from "#app/domain/toast";
import { redirectWithToast, toastNow } from "#app/services/http/toast.server";
import { STATUS_LABELS } from "#app/domain/task-status";

/** Cards per open lane on the first screen. */
const FIRST = 25;

/** The query string, or a 400 page that says which value is wrong. */
export function readBoardQuery(url: URL): BoardQuery {
  const parsed = parseBoardQuery(url.searchParams);
  if (!parsed.ok) throw data({ message: `This board link has a value it cannot use: ${parsed.message}` }, { status: 400 });
  return parsed.query;
}

/**
 * Everything the board or list shows for one query: the filtered lanes (or
 * one page of rows), "needs you", the names the filter bar offers, and the
 * reader's saved views.
 */
export async function loadBoard(db: Database, workspaceId: string, userId: string, query: BoardQuery, timeZone: string) {
  const filter = sqlFilter(query, timeZone);
  const names = Promise.all([listAgents(db, workspaceId), listTaskTypes(db), listTaskLabels(db, workspaceId), listSavedViews(db, workspaceId, userId)]);
  if (query.view === "list") {
    const [{ list, page, sort, dir }, [agents, taskTypes, labels, views]] = await Promise.all([listTasksPage(db, workspaceId, query, timeZone), names]);
    return { kind: "list" as const, list, page, sort, dir, agents, taskTypes, labels, views };
  }
  // The first screen: FIRST cards per open lane, the newest 20 done, no
  // cancelled cards while that lane is hidden. Each card is rendered and sent
  // twice (HTML and hydration data), so this bounds the page.
  const showCancelled = query.cancelled === "1" || query.status === "cancelled";
  const limits: Record<string, number> = Object.fromEntries(
    TASK_STATUSES.map((s) => [s, s === "done" ? 20 : s === "cancelled" ? (showCancelled ? 20 : 0) : FIRST]),
  );
  // ?more=done&n=100 shows more of one long lane without loading the rest.
  if (query.more) limits[query.more] = Math.max(query.n ?? BOARD_PAGE * 2, BOARD_PAGE);
  const [board, needsYou, [agents, taskTypes, labels, views]] = await Promise.all([
    getBoard(db, workspaceId, limits, filter),
    getNeedsYou(db, workspaceId, 20),
    names,
  ]);
  return { kind: "board" as const, board, needsYou, showCancelled, agents, taskTypes, labels, views };
}

/** What a refused board write answers; one of the keys, next to the form that sent it. */
export interface BoardActionResult {
  moveError?: { taskId: string | null; message: string };
  quickAdd?: { status: string; message: string; title: string };
  viewError?: string;
}

const refused = (body: BoardActionResult, status: number) => data(body, { status });

export interface BoardActionDeps extends TaskMoveDeps {
  log: Logger;
}

const saveViewSchema = z
  .object({
    name: z.string().trim().min(1, "Name the view").max(SAVED_VIEW_LIMITS.name, `At most ${SAVED_VIEW_LIMITS.name} characters`),
  })
  .strict();
const deleteViewSchema = z.object({ viewId: z.uuid({ error: "Unknown view" }) }).strict();

/**
 * The board's writes, each answered by a redirect back to the same view
 * (post/redirect/get: a reload never repeats it), or by the refusal next to
 * the form that caused it.
 */
export async function boardAction(
  deps: BoardActionDeps,
  context: Readonly<RouterContextProvider>,
  request: Request,
  workspace: { id: string; slug: string },
  actor: Actor,
  userId: string,
) {
  const url = new URL(request.url);
  const query = readBoardQuery(url);
  const q = viewQuery(query);
  const back = `/w/${workspace.slug}${q}`;
  // The toast's Undo posts to the board's action (the index route) with the same view.
  const undoAction = `/w/${workspace.slug}?index${q ? `&${q.slice(1)}` : ""}`;
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "move") {
    const parsed = parseForm(form, boardMoveSchema);
    if (!parsed.ok) {
      return refused({ moveError: { taskId: parsed.values.taskId ?? null, message: Object.values(parsed.errors)[0] ?? "Invalid move." } }, 400);
    }
    const { taskId, status, before, undo } = parsed.data;
    try {
      // The board always places the card: before the card named, or at the end of the lane.
      const { task, result } = await moveTask(deps, taskId, status, actor, workspace.id, { before });
      if (task.status === status) {
        return redirectWithToast(back, { kind: "success", message: `Reordered ${quoted(task.title)} in ${STATUS_LABELS[status]}.` });
      }
      // Post/redirect/get keeps a reload from repeating the move (no-JS browsers); the board keeps its query.
      return redirectWithToast(
        back,
        moveToast({
          title: task.title,
          from: task.status,
          to: status,
          undoAction,
          fields: { taskId },
          wasUndo: undo === "1",
          nextStage: result.changed.includes("stage"),
        }),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The refusal shows on the card (and, without JavaScript, in the toast region, always in sight).
      const message = refusedMoveMessage(error.message, undo === "1");
      toastNow(context, { kind: "error", message, taskId });
      return refused({ moveError: { taskId, message } }, error.status);
    }
  }
  if (intent === "quick-add") {
    const parsed = parseForm(form, quickAddSchema);
    const status = parsed.ok ? parsed.data.status : (parsed.values.status ?? "inbox");
    if (!parsed.ok) {
      return refused({ quickAdd: { status, message: Object.values(parsed.errors)[0] ?? "Invalid task.", title: parsed.values.title ?? "" } }, 400);
    }
    try {
      const task = await createTask(deps.db, workspace.id, { title: parsed.data.title, status: parsed.data.status }, actor);
      deps.log.info({ event: "task.created", task_id: task.id, status: task.status }, "task created");
      return redirectWithToast(back, { kind: "success", message: `Added ${quoted(parsed.data.title)} to ${STATUS_LABELS[parsed.data.status]}.` });
    } catch (error) {
      if (error instanceof AppError) return refused({ quickAdd: { status, message: error.message, title: parsed.data.title } }, error.status);
      throw error;
    }
  }
  if (intent === "save-view") {
    const parsed = parseForm(form, saveViewSchema);
    if (!parsed.ok) return refused({ viewError: Object.values(parsed.errors)[0] ?? "Invalid view." }, 400);
    try {
      await saveView(deps.db, workspace.id, userId, parsed.data.name, q);
      return redirectWithToast(back, { kind: "success", message: `View ${quoted(parsed.data.name)} saved.` });
    } catch (error) {
      if (error instanceof AppError) return refused({ viewError: error.message }, error.status);
      throw error;
    }
  }
  if (intent === "delete-view") {
    const parsed = parseForm(form, deleteViewSchema);
    if (!parsed.ok) return refused({ viewError: Object.values(parsed.errors)[0] ?? "Unknown view." }, 400);
    try {
      await deleteSavedView(deps.db, workspace.id, userId, parsed.data.viewId);
      return redirectWithToast(back, { kind: "success", message: "View deleted." });
    } catch (error) {
      if (error instanceof AppError) return refused({ viewError: error.message }, error.status);
      throw error;
    }
  }
  return refused({ moveError: { taskId: null, message: "Unknown action." } }, 400);
}
