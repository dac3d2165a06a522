import { z } from "zod";
import { labelProblem, normaliseLabel } from "./labels";
import { PRIORITIES, PRIORITY_LABELS } from "./priority";
import { STATUS_LABELS, TASK_STATUSES, isTaskStatus } from "./task-status";

/**
 * The board's and the list's state, all of it in the query string so a link
 * is the whole view: search, filters, board or list, the list's sort and
 * page, and the board's "show more". Parsed once here; the SQL filter
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

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());
const uuidOr = (word: string, message: string) => z.union([z.literal(word), z.uuid()], { error: message });
const wholeNumber = (min: number, max: number, message: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));

const schema = z.object({
  q: optional(z.string().trim().max(QUERY_MAX, `Search for at most ${QUERY_MAX} characters`)),
  status: optional(z.enum(TASK_STATUSES, { error: "Unknown status" })),
  assignee: optional(uuidOr("none", "Unknown assignee: use an agent from the list, or none")),
  priority: optional(z.enum(PRIORITIES, { error: `Unknown priority: use ${PRIORITIES.join(", ")}` })),
  type: optional(uuidOr("general", "Unknown task type: use a type from the list, or general")),
  label: optional(
    z
      .string()
      .transform(normaliseLabel)
      .refine((l) => labelProblem(l) === null, "Unknown label: a label is 1 to 32 characters, without commas"),
  ),
  due: optional(z.enum(DUE_FILTERS, { error: `Unknown due filter: use ${DUE_FILTERS.join(", ")}` })),
  view: optional(z.enum(["board", "list"], { error: "Unknown view: use board or list" })),
  sort: optional(z.enum(LIST_SORTS, { error: `Unknown sort: use ${LIST_SORTS.join(", ")}` })),
  dir: optional(z.enum(["asc", "desc"], { error: "Unknown sort direction: use asc or desc" })),
  page: optional(wholeNumber(1, 100_000, "The page is a whole number from 1")),
  more: optional(z.enum(TASK_STATUSES, { error: "Unknown lane to show more of" })),
  n: optional(wholeNumber(1, 1000, "Show between 1 and 1,000 cards")),
  cancelled: optional(z.literal("1", { error: "cancelled is 1 or absent" })),
});

export type BoardQuery = z.output<typeof schema>;
export type BoardQueryResult = { ok: true; query: BoardQuery } | { ok: false; message: string };

/**
 * Reads the query string. A malformed value is refused with a message that
 * names it (the page answers 400 with a link to the unfiltered board); a key
 * sent twice is refused too, since only one value per filter is kept.
 * Unknown keys are left alone: they belong to the transport, not the view.
 */
export function parseBoardQuery(params: URLSearchParams): BoardQueryResult {
  const values: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!(key in schema.shape)) continue;
    if (key in values) return { ok: false, message: `"${key}" is given more than once; keep one value.` };
    values[key] = value;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.message} (${String(issue.path[0])}).` };
  }
  return { ok: true, query: parsed.data };
}

/** Whether the query string holds a view key with an empty value (what a GET form sends for "Any"). */
export function hasEmptyKnownValue(params: URLSearchParams): boolean {
  for (const [key, value] of params) if (key in schema.shape && value.trim() === "") return true;
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
  for (const key of Object.keys(schema.shape)) {
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
