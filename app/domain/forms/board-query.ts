import { z } from "zod";
import { type BoardQuery, DUE_FILTERS, LIST_SORTS, QUERY_MAX, VIEW_KEYS } from "../board-query";
import { labelProblem, normaliseLabel } from "../labels";
import { PRIORITIES } from "../priority";
import { TASK_STATUSES } from "../task-status";

// The board's query string, checked (app/domain/board-query.ts holds the
// rest, free of zod so the board's browser code stays small).

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());
const uuidOr = (word: string, message: string) => z.union([z.literal(word), z.uuid()], { error: message });
const wholeNumber = (min: number, max: number, message: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));

/** The board's query keys, each checked (the operator API's task list takes its filter keys). */
export const boardQuerySchema = z.object({
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
    if (!(VIEW_KEYS as readonly string[]).includes(key)) continue;
    if (key in values) return { ok: false, message: `"${key}" is given more than once; keep one value.` };
    values[key] = value;
  }
  const parsed = boardQuerySchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.message} (${String(issue.path[0])}).` };
  }
  return { ok: true, query: parsed.data satisfies BoardQuery };
}
