import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { SavedView } from "#app/db/tasks.server";
import { type BoardQuery, DUE_FILTERS, DUE_LABELS, FILTER_KEYS, QUERY_MAX, filterChips, hasFilter, queryString, viewQuery } from "#app/domain/board-query";
import { SAVED_VIEW_LIMITS } from "#app/domain/field-limits";
import { PRIORITIES, PRIORITY_LABELS } from "#app/domain/priority";
import { STATUS_LABELS, TASK_STATUSES } from "#app/domain/task-status";

/** What the filter bar and toolbar read from the loaded view. */
export interface FilterChoices {
  kind: "board" | "list";
  agents: ReadonlyArray<{ id: string; name: string; emoji: string }>;
  taskTypes: ReadonlyArray<{ id: string; name: string }>;
  labels: readonly string[];
  views: readonly SavedView[];
  showCancelled?: boolean;
  board?: { counts: Record<string, number> };
}

const clearFilters = Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])) as Partial<Record<keyof BoardQuery, undefined>>;

/** New task, the Board | List switch, the reader's saved views, and the cancelled lane's toggle. */
export function BoardToolbar({ base, query, view, canEdit }: { base: string; query: BoardQuery; view: FilterChoices; canEdit: boolean }) {
  const current = viewQuery(query);
  const asBoard = queryString(query, { view: undefined, sort: undefined, dir: undefined, page: undefined });
  const asList = queryString(query, { view: "list", more: undefined, n: undefined, cancelled: undefined });
  return (
    <div className="board-toolbar">
      {canEdit ? (
        <Link to={`${base}/tasks/new`} className="btn btn-primary">
          + New task
        </Link>
      ) : null}
      <nav className="view-switch" aria-label="View">
        <Link to={`${base}${asBoard}`} className="view-switch-link" aria-current={view.kind === "board" ? "page" : undefined}>
          Board
        </Link>
        <Link to={`${base}${asList}`} className="view-switch-link" aria-current={view.kind === "list" ? "page" : undefined}>
          List
        </Link>
      </nav>
      {view.views.length > 0 ? (
        <nav className="saved-views" aria-label="Saved views">
          {view.views.map((saved) => (
            <span key={saved.id} className="saved-view">
              <Link to={`${base}${saved.query}`} className="saved-view-link" aria-current={saved.query === current ? "page" : undefined}>
                {saved.name}
              </Link>
              <details className="saved-view-delete">
                <summary title={`Delete the view ${saved.name}`}>
                  ×<span className="sr-only"> Delete view {saved.name}…</span>
                </summary>
                <Form method="post" className="saved-view-confirm">
                  <AuthenticityTokenInput />
                  <input type="hidden" name="intent" value="delete-view" />
                  <input type="hidden" name="viewId" value={saved.id} />
                  <button type="submit" className="btn btn-danger btn-small">
                    Delete “{saved.name}”
                  </button>
                </Form>
              </details>
            </span>
          ))}
        </nav>
      ) : null}
      {view.kind === "board" && query.status === undefined ? (
        <Link
          to={`${base}${queryString(query, { cancelled: view.showCancelled ? undefined : "1", more: undefined, n: undefined })}`}
          className="btn btn-ghost btn-small board-cancelled-toggle"
        >
          {view.showCancelled ? "Hide cancelled" : `Cancelled (${view.board?.counts.cancelled ?? 0})`}
        </Link>
      ) : null}
    </div>
  );
}

/**
 * Search and filters: a GET form, so the URL holds the whole view and the
 * page works the same without JavaScript. Active filters show as chips, each
 * a link without it; "Clear" drops them all and keeps board or list.
 */
export function FilterBar(props: { base: string; query: BoardQuery; view: FilterChoices; viewError?: string; canSave: boolean }) {
  const { base, query, view, viewError } = props;
  const names = {
    agents: new Map(view.agents.map((a) => [a.id, a.name])),
    types: new Map(view.taskTypes.map((t) => [t.id, t.name])),
  };
  const chips = filterChips(query, names);
  const labels = query.label && !view.labels.includes(query.label) ? [query.label, ...view.labels] : view.labels;
  return (
    <section className="filter-bar" aria-label="Search and filters">
      {/* Keyed by the view, so its fields show the new values after a link changes the filters. */}
      <Form method="get" className="filter-form" role="search" key={viewQuery(query)}>
        {query.view ? <input type="hidden" name="view" value={query.view} /> : null}
        {query.sort ? <input type="hidden" name="sort" value={query.sort} /> : null}
        {query.dir ? <input type="hidden" name="dir" value={query.dir} /> : null}
        {query.cancelled ? <input type="hidden" name="cancelled" value={query.cancelled} /> : null}
        <label htmlFor="board-search" className="sr-only">
          Search tasks
        </label>
        <input
          type="search"
          name="q"
          id="board-search"
          className="filter-search"
          placeholder="Search title and description"
          defaultValue={query.q ?? ""}
          maxLength={QUERY_MAX}
        />
        <details className="filter-more">
          <summary className="btn btn-ghost btn-small">
            Filters{chips.filter((c) => c.key !== "q").length > 0 ? ` (${chips.filter((c) => c.key !== "q").length})` : ""}
          </summary>
          <div className="filter-fields">
            <FilterSelect
              name="status"
              label="Status"
              value={query.status}
              any="Any status"
              options={TASK_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
            />
            <FilterSelect
              name="assignee"
              label="Assignee"
              value={query.assignee}
              any="Anyone"
              options={[{ value: "none", label: "Unassigned" }, ...view.agents.map((a) => ({ value: a.id, label: `${a.emoji} ${a.name}` }))]}
            />
            <FilterSelect
              name="priority"
              label="Priority"
              value={query.priority}
              any="Any priority"
              options={PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))}
            />
            <FilterSelect
              name="type"
              label="Task type"
              value={query.type}
              any="Any type"
              options={[{ value: "general", label: "General" }, ...view.taskTypes.map((t) => ({ value: t.id, label: t.name }))]}
            />
            <FilterSelect name="label" label="Label" value={query.label} any="Any label" options={labels.map((l) => ({ value: l, label: l }))} />
            <FilterSelect name="due" label="Due" value={query.due} any="Any due date" options={DUE_FILTERS.map((d) => ({ value: d, label: DUE_LABELS[d] }))} />
            <button type="submit" className="btn btn-small">
              Filter
            </button>
          </div>
        </details>
      </Form>
      <details className="save-view" open={viewError ? true : undefined}>
        <summary className="btn btn-ghost btn-small">Save view…</summary>
        <Form method="post" className="save-view-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="save-view" />
          <label htmlFor="save-view-name" className="sr-only">
            Name of the view
          </label>
          <input
            id="save-view-name"
            name="name"
            type="text"
            required
            maxLength={SAVED_VIEW_LIMITS.name}
            placeholder="Name this view"
            aria-invalid={viewError ? true : undefined}
            aria-describedby={viewError ? "save-view-error" : undefined}
          />
          <button type="submit" className="btn btn-small">
            Save
          </button>
          {viewError ? (
            <p id="save-view-error" className="field-error" role="alert">
              {viewError}
            </p>
          ) : null}
        </Form>
      </details>
      {chips.length > 0 || hasFilter(query) ? (
        <div className="filter-chips">
          {chips.length > 0 ? (
            <ul className="chip-list" aria-label="Active filters">
              {chips.map((chip) => (
                <li key={chip.key}>
                  <Link to={`${base}${queryString(query, { [chip.key]: undefined, page: undefined })}`} className="filter-chip" data-filter={chip.key}>
                    {chip.label}
                    <span aria-hidden="true"> ×</span>
                    <span className="sr-only"> (remove this filter)</span>
                  </Link>
                </li>
              ))}
            </ul>
          ) : null}
          {hasFilter(query) ? (
            <Link to={`${base}${queryString(query, { ...clearFilters, page: undefined })}`} className="filter-clear">
              Clear
            </Link>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function FilterSelect(props: {
  name: string;
  label: string;
  value: string | undefined;
  any: string;
  options: ReadonlyArray<{ value: string; label: string }>;
}) {
  const { name, label, value, any, options } = props;
  const id = `filter-${name}`;
  return (
    <span className="filter-field">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <select id={id} name={name} defaultValue={value ?? ""} className={value ? "is-set" : undefined} title={label}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </span>
  );
}
