import { workspaceContext } from "#app/context.server";
import { Form, Link, data, redirect } from "react-router";
import { type TaskCard as Card, getBoard, getNeedsYou } from "#app/db/tasks.server";
import { AppError } from "#app/domain/errors";
import { boardMoveSchema } from "#app/domain/forms/task";
import { parseForm } from "#app/domain/forms/parse";
import { BOARD_COLUMNS, STATUS_LABELS, TASK_STATUSES, type TaskStatus, isTaskStatus } from "#app/domain/task-status";
import { TaskCard } from "#app/components/task-card";
import { operator } from "#app/services/auth/operator.server";
import { moveTask } from "#app/services/governance/task-moves.server";
import { useActionResult } from "#app/components/use-action-result";
import type { PageHandle } from "#app/root";
import type { Route } from "./+types/board";

// The board is served as HTML and does not hydrate: React, React DOM and
// React Router stay off this page, and app/islands/board-island.ts adds drag
// and drop, posts without reloads, live updates and the keyboard (decision 029).
export const handle: PageHandle = { hydrate: false, island: "board" };

/**
 * Links from hydrated pages load the board as a document (reloadDocument);
 * should a navigation inside React reach it anyway, it becomes one here.
 */
export function clientLoader({ request }: Route.ClientLoaderArgs): Promise<never> {
  window.location.assign(request.url);
  return new Promise<never>(() => {});
}

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
  // cancelled cards while that column is hidden. This bounds the page
  // (the board does not hydrate, so each card is sent once, as HTML).
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
  const moveError = actionData?.moveError?.message;
  return (
    <main id="main" className="board-page" data-island-region="board">
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
          <Column key={status} status={status} cards={board.columns[status]} count={board.counts[status]} base={base} canEdit={canEdit} now={now} />
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
                  {task.pending_approvals > 0
                    ? `⚖ ${task.pending_approvals} approval${task.pending_approvals === 1 ? "" : "s"} waiting`
                    : `⚠ ${task.alert_reason?.replaceAll("_", " ")}`}
                </p>
              </article>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Column(props: { status: TaskStatus; cards: Card[]; count: number; base: string; canEdit: boolean; now: Date }) {
  const { status, cards, count, base, canEdit, now } = props;
  const hidden = count - cards.length;
  return (
    <section
      id={`lane-${status}`}
      className={`column col-${status}${count === 0 ? " lane-empty" : ""}`}
      role="listitem"
      aria-labelledby={`col-${status}`}
      data-status={status}
    >
      <h2 id={`col-${status}`} className="column-head">
        <span>{STATUS_LABELS[status]}</span>
        <span className="column-count">{count}</span>
      </h2>
      <div className="column-body">
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
