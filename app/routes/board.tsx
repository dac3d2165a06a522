import { workspaceContext } from "#app/context.server";
import { Form, Link, redirect, useFormAction, useLocation } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskCard as Card, getNeedsYou } from "#app/db/tasks.server";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { BOARD_COLUMNS, STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";
import { zoneOr } from "#app/domain/time";
import { TaskCard } from "#app/components/task-card";
import { BoardToolbar, FilterBar } from "#app/components/board-filters";
import { TaskList } from "#app/components/task-list";
import { operator } from "#app/services/auth/operator.server";
import { useActionResult } from "#app/components/use-action-result";
import { BOARD_PAGE, hasEmptyKnownValue, queryString } from "#app/domain/board-query";
import { type BoardActionResult, boardAction, loadBoard, readBoardQuery } from "./board.server";
import type { PageHandle } from "#app/root";
import { usePageToast } from "#app/components/toasts";
import type { Route } from "./+types/board";
import { Icon } from "#app/components/icon";

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

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const query = readBoardQuery(url);
  // A filter form sends its empty fields too; the link to share is the short one.
  const canonical = queryString(query);
  if (hasEmptyKnownValue(url.searchParams)) throw redirect(`/w/${workspace.slug}${canonical}`);
  const view = await loadBoard(db, workspace.id, user.id, query, zoneOr(user.time_zone));
  return { workspace, query, view, canEdit: user.role !== "viewer", now: new Date().toISOString() };
}

export async function action({ request, context }: Route.ActionArgs) {
  // Saved views are the reader's own: a viewer may keep them too; every other write needs an operator.
  const intent = (await request.clone().formData()).get("intent");
  const { db, rt, actor, log, user } = operator(context, request, intent === "save-view" || intent === "delete-view" ? "viewer" : "operator");
  const workspace = context.get(workspaceContext);
  return boardAction({ db, log, settings: rt.env, gateways: rt.gateways }, context, request, workspace, actor, user.id);
}

export default function BoardPage({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult<BoardActionResult>(submitted);
  const { workspace, view, canEdit, query } = loaderData;
  const now = new Date(loaderData.now);
  const base = `/w/${workspace.slug}`;
  const toast = usePageToast();
  // A refused move shows on its card: from the action's answer (the island swaps it in) or, after a redirect, the flash.
  const refusal = actionData?.moveError ?? (toast?.kind === "error" && toast.taskId ? { taskId: toast.taskId, message: toast.message } : null);
  const moveError = refusal && !refusal.taskId ? refusal.message : null;
  return (
    <main id="main" className="board-page" data-island-region="board">
      <BoardToolbar base={base} query={query} view={view} canEdit={canEdit} />
      <FilterBar base={base} query={query} view={view} viewError={actionData?.viewError} canSave={canEdit} />
      {moveError ? (
        <p className="form-error" role="alert">
          {moveError}
        </p>
      ) : null}
      {view.kind === "list" ? (
        <TaskList base={base} query={query} list={view.list} page={view.page} sort={view.sort} dir={view.dir} now={now} />
      ) : (
        <BoardLanes
          base={base}
          board={view.board}
          needsYou={view.needsYou}
          showCancelled={view.showCancelled}
          canEdit={canEdit}
          now={now}
          quickAdd={actionData?.quickAdd}
          refusal={refusal?.taskId ? refusal : null}
        />
      )}
    </main>
  );
}

type BoardView = Extract<Route.ComponentProps["loaderData"]["view"], { kind: "board" }>;

function BoardLanes(props: {
  base: string;
  board: BoardView["board"];
  needsYou: BoardView["needsYou"];
  showCancelled: boolean;
  canEdit: boolean;
  now: Date;
  quickAdd: BoardActionResult["quickAdd"];
  refusal: { taskId: string | null; message: string } | null;
}) {
  const { base, board, needsYou, showCancelled, canEdit, now, quickAdd, refusal } = props;
  const columns: TaskStatus[] = showCancelled ? [...BOARD_COLUMNS, "cancelled"] : [...BOARD_COLUMNS];
  return (
    <>
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
          <Column
            key={status}
            status={status}
            cards={board.columns[status]}
            beyond={board.beyond?.[status] ?? []}
            count={board.counts[status]}
            base={base}
            canEdit={canEdit}
            now={now}
            quickAdd={quickAddRefusalFor(status, quickAdd)}
            refusal={refusal}
          />
        ))}
      </div>
    </>
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

function Column(props: {
  status: TaskStatus;
  cards: Card[];
  beyond: string[];
  count: number;
  base: string;
  canEdit: boolean;
  now: Date;
  quickAdd: BoardActionResult["quickAdd"];
  refusal: { taskId: string | null; message: string } | null;
}) {
  const { status, cards, beyond, count, base, canEdit, now, quickAdd, refusal } = props;
  const hidden = count - cards.length;
  // Done and cancelled read newest first: their order is history, not a plan, so they have no up and down.
  const ordered = status !== "done" && status !== "cancelled";
  // Inbox stays open even when empty, for its quick add; an empty Planning lane folds like the others.
  const quickAddHere = canEdit && QUICK_ADD_LANES.includes(status);
  const viewParams = useViewParams();
  const action = useFormAction();
  return (
    <section
      id={`lane-${status}`}
      className={`column col-${status}${count === 0 && !(quickAddHere && status === "inbox") ? " lane-empty" : ""}`}
      role="listitem"
      aria-labelledby={`col-${status}`}
      data-status={status}
    >
      <h2 id={`col-${status}`} className="column-head">
        <span>{STATUS_LABELS[status]}</span>
        <span className="column-count">{count}</span>
      </h2>
      <div className="column-body">
        {quickAddHere ? <QuickAdd status={status} refused={quickAdd} /> : null}
        {cards.length === 0 ? <p className="column-empty">Nothing here</p> : null}
        {cards.map((task, i) => {
          const next = cards[i + 1]?.id ?? beyond[0];
          const afterNext = cards[i + 2]?.id ?? beyond[i + 2 - cards.length] ?? null;
          return (
            <TaskCard
              key={task.id}
              task={task}
              base={base}
              action={action}
              canEdit={canEdit}
              now={now}
              up={ordered && i > 0 ? cards[i - 1]!.id : undefined}
              down={ordered && next ? afterNext : undefined}
              refusal={refusal?.taskId === task.id ? refusal.message : undefined}
            />
          );
        })}
        {hidden > 0 ? (
          <Form method="get" className="more">
            {/* Keeps the filters: the rest of the view rides along in the query string. */}
            {Object.entries(viewParams).map(([key, value]) =>
              key === "more" || key === "n" ? null : <input key={key} type="hidden" name={key} value={value} />,
            )}
            <input type="hidden" name="more" value={status} />
            <input type="hidden" name="n" value={cards.length + BOARD_PAGE * 2} />
            <button type="submit" className="btn btn-ghost btn-small">
              Show more ({hidden} hidden)
            </button>
          </Form>
        ) : null}
      </div>
    </section>
  );
}

/** The lanes a task may be created straight into from the board: where a new task may start without an agent. */
const QUICK_ADD_LANES: readonly TaskStatus[] = ["planning", "inbox"];

/** Where a refused quick add shows its reason: the lane it was for, or Inbox when that lane takes none. */
function quickAddRefusalFor(status: TaskStatus, refused: BoardActionResult["quickAdd"]) {
  if (!refused) return undefined;
  const lane = (QUICK_ADD_LANES as readonly string[]).includes(refused.status) ? refused.status : "inbox";
  return lane === status ? refused : undefined;
}

/** A one-line create at the top of a lane: a plain post, back to the same view. */
function QuickAdd({ status, refused }: { status: TaskStatus; refused: BoardActionResult["quickAdd"] }) {
  const id = `quick-add-${status}`;
  return (
    <Form method="post" id={`${id}-form`} className="quick-add" aria-label={`Add a task to ${STATUS_LABELS[status]}`}>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="quick-add" />
      <input type="hidden" name="status" value={status} />
      <label htmlFor={id} className="sr-only">
        New task title in {STATUS_LABELS[status]}
      </label>
      <div className="quick-add-row">
        <input
          id={id}
          name="title"
          type="text"
          placeholder="Add a task…"
          maxLength={COLUMN_LIMITS.tasks.title}
          required
          defaultValue={refused?.title}
          aria-invalid={refused ? true : undefined}
          aria-describedby={refused ? `${id}-error` : undefined}
          autoComplete="off"
        />
        <button type="submit" className="btn btn-small">
          Add<span className="sr-only"> to {STATUS_LABELS[status]}</span>
        </button>
      </div>
      {refused ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {refused.message}
        </p>
      ) : null}
    </Form>
  );
}

/** The current query string as pairs, for forms that must carry the view along. */
function useViewParams(): Record<string, string> {
  const { search } = useLocation();
  return Object.fromEntries(new URLSearchParams(search));
}
