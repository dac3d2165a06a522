import { Link } from "react-router";
import type { TaskList as List } from "#app/db/tasks.server";
import { type BoardQuery, LIST_PAGE, type ListSort, queryString } from "#app/domain/board-query";
import { formatCost } from "#app/domain/costs";
import { PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS } from "#app/domain/task-status";
import { formatDue, isOverdue } from "#app/domain/time";
import { LabelChips } from "./task-card";
import { Time, useTimeZone } from "./time";

const COLUMNS: ReadonlyArray<{ sort: ListSort | null; label: string }> = [
  { sort: "title", label: "Title" },
  { sort: "status", label: "Status" },
  { sort: "priority", label: "Priority" },
  { sort: "assignee", label: "Assignee" },
  { sort: "type", label: "Type" },
  { sort: null, label: "Labels" },
  { sort: "due", label: "Due" },
  { sort: "updated", label: "Updated" },
  { sort: "cost", label: "Cost" },
];

/**
 * The list view: the board's filtered tasks as a table, sorted by a column
 * header's link (again: the other direction), one page of LIST_PAGE rows with
 * previous and next links. On a phone each row stacks into a block, its cells
 * labelled, so nothing scrolls sideways.
 */
export function TaskList(props: { base: string; query: BoardQuery; list: List; page: number; sort: ListSort | "board"; dir: "asc" | "desc"; now: Date }) {
  const { base, query, list, page, sort, dir, now } = props;
  const timeZone = useTimeZone();
  const pages = Math.max(1, Math.ceil(list.total / LIST_PAGE));
  const first = list.total === 0 ? 0 : (page - 1) * LIST_PAGE + 1;
  const last = Math.min(list.total, page * LIST_PAGE);
  return (
    <section className="task-list" aria-labelledby="task-list-h">
      <h2 id="task-list-h" className="task-list-head">
        Tasks <span className="column-count">{list.total}</span>
        {list.total > 0 ? (
          <span className="task-list-range">
            {" "}
            {first}–{last} of {list.total}
          </span>
        ) : null}
      </h2>
      {list.rows.length === 0 ? (
        <p className="column-empty">No task matches.</p>
      ) : (
        <table className="list-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.label} scope="col" aria-sort={c.sort && c.sort === sort ? (dir === "asc" ? "ascending" : "descending") : undefined}>
                  {c.sort ? (
                    <Link
                      to={`${base}${queryString(query, { sort: c.sort, dir: c.sort === sort ? (dir === "asc" ? "desc" : "asc") : undefined, page: undefined })}`}
                    >
                      {c.label}
                      {c.sort === sort ? <span aria-hidden="true">{dir === "asc" ? " ▲" : " ▼"}</span> : null}
                    </Link>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.rows.map((task) => {
              const open = task.status !== "done" && task.status !== "cancelled";
              const cost = formatCost(task.estimated_cost, task.cost_provenance);
              return (
                <tr key={task.id} data-task-id={task.id}>
                  <td data-label="Title" className="list-title">
                    <Link to={`${base}/tasks/${task.id}`}>{task.title}</Link>
                  </td>
                  <td data-label="Status">{STATUS_LABELS[task.status]}</td>
                  <td data-label="Priority">
                    <span className={`badge badge-${task.priority}`}>{PRIORITY_LABELS[task.priority]}</span>
                  </td>
                  <td data-label="Assignee">{task.assignee ? task.assignee.name : <span className="muted">Unassigned</span>}</td>
                  <td data-label="Type">{task.task_type?.name ?? <span className="muted">General</span>}</td>
                  <td data-label="Labels">{task.labels.length > 0 ? <LabelChips labels={task.labels} /> : <span className="muted">—</span>}</td>
                  <td data-label="Due" className={open && isOverdue(task.due_at, now, timeZone) ? "due overdue" : undefined}>
                    {task.due_at ? formatDue(task.due_at, timeZone) : <span className="muted">—</span>}
                  </td>
                  <td data-label="Updated">
                    <Time value={task.updated_at} now={now} />
                  </td>
                  <td data-label="Cost">{cost ?? <span className="muted">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {page > 1 ? (
            <Link to={`${base}${queryString(query, { page: page - 1 === 1 ? undefined : page - 1 })}`} rel="prev">
              ← Previous
            </Link>
          ) : null}
          <span>
            Page {page} of {pages}
          </span>
          {page < pages ? (
            <Link to={`${base}${queryString(query, { page: page + 1 })}`} rel="next">
              Next →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}
