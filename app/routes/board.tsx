import { useState } from "react";
import { workspaceContext } from "#app/context.server";
import { Form, Link, data, redirect, useFetcher } from "react-router";
import { useAuthenticityToken } from "remix-utils/csrf/react";
import { type TaskCard as Card, getBoard, getNeedsYou } from "#app/db/tasks.server";
import { AppError } from "#app/domain/errors";
import { boardMoveSchema } from "#app/domain/forms/task";
import { parseForm } from "#app/domain/forms/parse";
import { BOARD_COLUMNS, STATUS_LABELS, TASK_STATUSES, type TaskStatus, allowedTransitions, isTaskStatus } from "#app/domain/task-status";
import { TaskCard } from "#app/components/task-card";
import { operator } from "#app/services/auth/operator.server";
import { moveTask } from "#app/services/governance/task-moves.server";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/board";
import { Icon } from "#app/components/icon";

export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.workspace.name ?? "Board"} · Mission Control` }];

const PAGE = 50;
const FIRST = 25;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  // ?more=done&n=100 shows more of one long column without loading the rest.
  const more = url.searchParams.get("more");
  const n = Math.min(Math.max(Number(url.searchParams.get("n")) || PAGE * 2, PAGE), 1000);
  const showCancelled = url.searchParams.get("cancelled") === "1";
  // The first screen: FIRST cards per open column, the newest done, no
  // cancelled cards while that column is hidden. Each card is rendered and
  // sent twice (HTML and hydration data), so this bounds the page.
  const limits: Record<string, number> = Object.fromEntries(
    TASK_STATUSES.map((s) => [s, s === "done" ? 20 : s === "cancelled" ? (showCancelled ? 20 : 0) : FIRST]),
  );
  if (isTaskStatus(more)) limits[more] = n;
  const [board, needsYou] = await Promise.all([getBoard(db, workspace.id, limits), getNeedsYou(db, workspace.id, 20)]);
  return { workspace, board, needsYou, canEdit: user.role !== "viewer", showCancelled, now: new Date().toISOString() };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, rt, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  if (form.get("intent") !== "move") return data({ moveError: { taskId: null, message: "Unknown action." } }, { status: 400 });
  const parsed = parseForm(form, boardMoveSchema);
  if (!parsed.ok) {
    return data({ moveError: { taskId: parsed.values.taskId ?? null, message: Object.values(parsed.errors)[0] ?? "Invalid move." } }, { status: 400 });
  }
  try {
    await moveTask({ db, log, settings: rt.env }, parsed.data.taskId, parsed.data.status, actor, workspace.id);
    // Post/redirect/get keeps a reload from repeating the move (no-JS browsers).
    return redirect(`/w/${workspace.slug}`);
  } catch (error) {
    if (error instanceof AppError) return data({ moveError: { taskId: parsed.data.taskId, message: error.message } }, { status: error.status });
    throw error;
  }
}

export default function BoardPage({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, board, canEdit, showCancelled, needsYou } = loaderData;
  const now = new Date(loaderData.now);
  const base = `/w/${workspace.slug}`;
  const columns: TaskStatus[] = showCancelled ? [...BOARD_COLUMNS, "cancelled"] : [...BOARD_COLUMNS];
  const dnd = useDragMove(canEdit);
  const moveError = dnd.error ?? actionData?.moveError?.message;
  return (
    <main id="main" className="board-page">
      <div className="board-toolbar">
        {canEdit ? (
          <Link to={`${base}/tasks/new`} className="btn btn-primary">
            + New task
          </Link>
        ) : null}
        <Link to={showCancelled ? base : `${base}?cancelled=1`} className="btn btn-ghost btn-small">
          {showCancelled ? "Hide cancelled" : `Cancelled (${board.counts.cancelled})`}
        </Link>
      </div>
      {moveError ? (
        <p className="form-error" role="alert">
          {moveError}
        </p>
      ) : null}
      <NeedsYou tasks={needsYou} base={base} />
      {/* On a narrow screen one lane shows at a time; these plain links scroll the board to a lane, with or without JavaScript. */}
      <nav className="lane-switcher" aria-label="Lanes">
        {columns.map((status) => (
          <a key={status} href={`#lane-${status}`} className={board.counts[status] === 0 ? "lane-link is-empty" : "lane-link"}>
            {STATUS_LABELS[status]} <span className="column-count">{board.counts[status]}</span>
          </a>
        ))}
      </nav>
      <div className="board" role="list" aria-label="Task board">
        {columns.map((status) => (
          <Column key={status} status={status} cards={board.columns[status]} count={board.counts[status]} base={base} canEdit={canEdit} now={now} dnd={dnd} />
        ))}
      </div>
    </main>
  );
}

/** What waits for a human, as a strip above the lanes: one row, its count always in sight. */
function NeedsYou({ tasks, base }: { tasks: Awaited<ReturnType<typeof getNeedsYou>>; base: string }) {
  return (
    <section className={tasks.length === 0 ? "needs-you is-empty" : "needs-you"} aria-labelledby="needs-you-h" data-lane="needs-you">
      <h2 id="needs-you-h" className="needs-you-head">
        <span>Needs you</span>
        <span className="column-count">{tasks.length}</span>
      </h2>
      {tasks.length === 0 ? (
        <p className="needs-you-empty">Nothing waits for a human</p>
      ) : (
        <ul className="needs-you-list">
          {tasks.map((task) => (
            <li key={task.id}>
              <article className={`card prio-${task.priority}`} data-needs-you={task.id}>
                <Link to={`${base}/tasks/${task.id}`} className="card-title">
                  {task.title}
                </Link>
                <p className="alert" role="note">
                  <Icon name={task.pending_approvals > 0 ? "approvals" : "alert"} size={14} />
                  {task.pending_approvals > 0
                    ? `${task.pending_approvals} approval${task.pending_approvals === 1 ? "" : "s"} waiting`
                    : task.alert_reason?.replaceAll("_", " ")}
                </p>
              </article>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Column(props: { status: TaskStatus; cards: Card[]; count: number; base: string; canEdit: boolean; now: Date; dnd: ReturnType<typeof useDragMove> }) {
  const { status, cards, count, base, canEdit, now, dnd } = props;
  const hidden = count - cards.length;
  return (
    <section
      id={`lane-${status}`}
      className={`column col-${status}${count === 0 ? " lane-empty" : ""}${dnd.over === status ? " drop-target" : ""}`}
      role="listitem"
      aria-labelledby={`col-${status}`}
      data-status={status}
      onDragOver={(e) => dnd.onDragOver(e, status)}
      onDragLeave={() => dnd.onDragLeave(status)}
      onDrop={(e) => dnd.onDrop(e, status)}
    >
      <h2 id={`col-${status}`} className="column-head">
        <span>{STATUS_LABELS[status]}</span>
        <span className="column-count">{count}</span>
      </h2>
      <div className="column-body" onDragStart={dnd.onDragStart}>
        {cards.length === 0 ? <p className="column-empty">Nothing here</p> : null}
        {cards.map((task) => (
          <TaskCard key={task.id} task={task} base={base} canEdit={canEdit} now={now} />
        ))}
        {hidden > 0 ? (
          <Form method="get" className="more">
            <input type="hidden" name="more" value={status} />
            <input type="hidden" name="n" value={cards.length + PAGE * 2} />
            <button type="submit" className="btn btn-ghost btn-small">
              Show more ({hidden} hidden)
            </button>
          </Form>
        ) : null}
      </div>
    </section>
  );
}

/** Drag and drop, when JavaScript runs: it submits the same move the card's form does. */
function useDragMove(enabled: boolean) {
  const fetcher = useFetcher<typeof action>();
  const csrf = useAuthenticityToken();
  const [over, setOver] = useState<TaskStatus | null>(null);
  const [dragging, setDragging] = useState<{ id: string; from: TaskStatus } | null>(null);
  const error = fetcher.data?.moveError?.message ?? null;
  return {
    over,
    error,
    onDragStart(e: React.DragEvent) {
      const card = (e.target as HTMLElement).closest<HTMLElement>("[data-task-id]");
      const from = card?.closest<HTMLElement>("[data-status]")?.dataset.status;
      if (!enabled || !card?.dataset.taskId || !isTaskStatus(from)) return;
      e.dataTransfer.setData("text/plain", card.dataset.taskId);
      e.dataTransfer.effectAllowed = "move";
      setDragging({ id: card.dataset.taskId, from });
    },
    onDragOver(e: React.DragEvent, status: TaskStatus) {
      if (!dragging || !allowedTransitions(dragging.from).includes(status)) return;
      e.preventDefault();
      setOver(status);
    },
    onDragLeave(status: TaskStatus) {
      if (over === status) setOver(null);
    },
    onDrop(e: React.DragEvent, status: TaskStatus) {
      e.preventDefault();
      setOver(null);
      if (!dragging) return;
      void fetcher.submit({ intent: "move", taskId: dragging.id, status, csrf }, { method: "post" });
      setDragging(null);
    },
  };
}
