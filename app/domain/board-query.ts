import { PRIORITY_LABELS, type Priority } from "./priority";
import { STATUS_LABELS, type TaskStatus, isTaskStatus } from "./task-status";

/**
 * The board's and the list's state, all of it in the query string so a link
 * is the whole view: search, filters, board or list, the list's sort and
 * page, and the board's "show more". Parsed by app/domain/forms/board-query.ts
 * (zod, server side only); the SQL filter
 * (task_matches in supabase/sql/10_tasks.sql) reads the same keys.
 */

export const DUE_FILTERS = ["overdue", "today", "week", "none"] as const;
export type DueFilter = (typeof DUE_FILTERS)[number];
export const DUE_LABELS: Record<DueFilter, string> = { overdue: "Overdue", today: "Due today", week: "Due within 7 days", none: "No due date" };

export const LIST_SORTS = ["title", "status", "priority", "assignee", "type", "due", "updated", "cost"] as const;
export type ListSort = (typeof LIST_SORTS)[number];

/** How many cards "Show more" adds to a lane, at least. */
export const BOARD_PAGE = 50;
/** Rows on one page of the list view. */
export const LIST_PAGE = 100;
/** The longest search text: a few words, not a document. */
export const QUERY_MAX = 200;

/** The keys that narrow which tasks show, in the order the filter bar shows them. */
export const FILTER_KEYS = ["q", "status", "assignee", "priority", "type", "label", "due"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** Every key of the view, in the order a link writes them. */
export const VIEW_KEYS = ["q", "status", "assignee", "priority", "type", "label", "due", "view", "sort", "dir", "page", "more", "n", "cancelled"] as const;
export type ViewKey = (typeof VIEW_KEYS)[number];
const isViewKey = (key: string): key is ViewKey => (VIEW_KEYS as readonly string[]).includes(key);

/** The view as parsed (app/domain/forms/board-query.ts): each key once, already checked. */
export interface BoardQuery {
  q?: string;
  status?: TaskStatus;
  assignee?: string;
  priority?: Priority;
  type?: string;
  label?: string;
  due?: DueFilter;
  view?: "board" | "list";
  sort?: ListSort;
  dir?: "asc" | "desc";
  page?: number;
  more?: TaskStatus;
  n?: number;
  cancelled?: "1";
}

/** Whether the query string holds a view key with an empty value (what a GET form sends for "Any"). */
export function hasEmptyKnownValue(params: URLSearchParams): boolean {
  for (const [key, value] of params) if (isViewKey(key) && value.trim() === "") return true;
  return false;
}

/** What the SQL filter receives: the filter keys that are set, and the reader's zone for due days. */
export function sqlFilter(query: BoardQuery, timeZone: string): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (value !== undefined) filter[key] = value;
  }
  if (filter.due) filter.tz = timeZone;
  return filter;
}

export function hasFilter(query: BoardQuery): boolean {
  return FILTER_KEYS.some((key) => query[key] !== undefined);
}

/**
 * The query string of a view, with some keys changed or removed (undefined
 * removes). Keys are written in one order, so the same view is always the
 * same link (a saved view compares equal to the page it was saved from).
 */
export function queryString(query: BoardQuery, changes: Partial<Record<keyof BoardQuery, string | number | undefined>> = {}): string {
  const merged: Record<string, unknown> = { ...query, ...changes };
  const params = new URLSearchParams();
  for (const key of VIEW_KEYS) {
    const value = merged[key];
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The part of a query a saved view keeps: filters, view and sort; not the page or "show more". */
export function viewQuery(query: BoardQuery): string {
  return queryString(query, { page: undefined, more: undefined, n: undefined });
}

export interface FilterChip {
  key: FilterKey;
  label: string;
}

/**
 * The active filters as chips, each a words-first description. Names the
 * page knows (agents, task types) are passed in; an id the workspace does
 * not have reads as "unknown".
 */
export function filterChips(query: BoardQuery, names: { agents: ReadonlyMap<string, string>; types: ReadonlyMap<string, string> }): FilterChip[] {
  const chips: FilterChip[] = [];
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (value === undefined) continue;
    chips.push({ key, label: chipLabel(key, value, names) });
  }
  return chips;
}

function chipLabel(key: FilterKey, value: string, names: { agents: ReadonlyMap<string, string>; types: ReadonlyMap<string, string> }): string {
  switch (key) {
    case "q":
      return `“${value}”`;
    case "status":
      return `Status: ${isTaskStatus(value) ? STATUS_LABELS[value] : value}`;
    case "assignee":
      return value === "none" ? "Unassigned" : `Assignee: ${names.agents.get(value) ?? "unknown agent"}`;
    case "priority":
      return `Priority: ${PRIORITY_LABELS[value as keyof typeof PRIORITY_LABELS] ?? value}`;
    case "type":
      return value === "general" ? "Type: General" : `Type: ${names.types.get(value) ?? "unknown type"}`;
    case "label":
      return `Label: ${value}`;
    case "due":
      return DUE_LABELS[value as DueFilter] ?? value;
  }
}

/** The list's sort: the column asked for, or the board's order (lane, then rank). */
export function listSort(query: BoardQuery): { sort: ListSort | "board"; dir: "asc" | "desc" } {
  if (!query.sort) return { sort: "board", dir: "asc" };
  const defaultDir = query.sort === "updated" || query.sort === "cost" ? "desc" : "asc";
  return { sort: query.sort, dir: query.dir ?? defaultDir };
}
