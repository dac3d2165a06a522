import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
import { PRIORITIES } from "../priority";
import { TASK_STATUSES } from "../task-status";
import { dateInputValue } from "../time";
import { labelsInputValue, parseLabels } from "../labels";
import { emptyToNull } from "./parse";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO date-time with an explicit zone; without one it would be read in the server's zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Date.parse rolls impossible days over (02-30 → 03-02); a date must read back as written. */
function isRealDate(value: string): boolean {
  if (!DATE_ONLY.test(value)) return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** A date input ("YYYY-MM-DD") or an ISO date-time; empty means no due date. */
export const dueAt = z.preprocess(
  (v) => emptyToNull(typeof v === "string" ? v.trim() : v),
  z
    .string()
    .trim()
    .refine(isRealDate, "Use a date like 2026-12-31")
    .transform((v) => new Date(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v).toISOString())
    .refine((v) => {
      const year = new Date(v).getUTCFullYear();
      return year >= 2000 && year <= 2999;
    }, "Pick a date between 2000 and 2999")
    .nullable(),
);

const fields = {
  title: z.string().trim().min(1, "A title is required").max(L.tasks.title, atMost(L.tasks.title)),
  description: z.string().max(L.tasks.description, atMost(L.tasks.description)).default(""),
  priority: z.enum(PRIORITIES, { error: "Choose a priority" }).default("normal"),
  assigned_agent_id: z.preprocess(emptyToNull, z.uuid({ error: "Choose an agent from the list" }).nullable()).default(null),
  due_at: dueAt.default(null),
  task_type_id: z.preprocess(emptyToNull, z.uuid({ error: "Choose a task type from the list" }).nullable()).default(null),
  /** Comma-separated in the form; stored normalised (app/domain/labels.ts). */
  labels: z
    .string()
    .max(INPUT_LIMITS.labelsField, atMost(INPUT_LIMITS.labelsField))
    .default("")
    .transform((value, ctx) => {
      const parsed = parseLabels(value);
      if (parsed.ok) return parsed.labels;
      ctx.issues.push({ code: "custom", message: parsed.message, input: value });
      return z.NEVER;
    }),
};

export const taskCreateSchema = z
  .object({
    ...fields,
    status: z.enum(["planning", "inbox", "assigned"], { error: "New tasks start in planning, inbox or assigned" }).default("inbox"),
    /** A task on a pipeline starts at stage 1, assigned to that stage's agent. */
    pipeline_id: z.preprocess(emptyToNull, z.uuid({ error: "Choose a pipeline from the list" }).nullable()).default(null),
    /** A subtask names its parent (the task page's "New subtask" link). */
    parent_id: z.preprocess(emptyToNull, z.uuid({ error: "Unknown parent task" }).nullable()).default(null),
  })
  .strict()
  .refine((t) => t.status !== "assigned" || t.assigned_agent_id !== null || t.pipeline_id !== null, {
    path: ["assigned_agent_id"],
    message: "Choose an agent to assign the task to",
  });

export const taskUpdateSchema = z.object(fields).strict();

/** A task's fields as its forms read them, for forms that hold a task to be (task templates). */
export const taskFields = fields;

/** What the task forms post, as the inputs hold it: every field a string. */
export type TaskFormValues = Partial<Record<keyof typeof fields | "status" | "pipeline_id", string>>;

/**
 * The edit form's starting values: every field it posts, as the task has it
 * now. The form sends them all, so a field left out here would be saved as
 * blank (an unassigned agent, no task type) when only the title was changed.
 */
export function taskEditValues(
  task: { title: string; description: string; priority: string; due_at: string | null; assignee: { id: string } | null; labels?: readonly string[] },
  taskTypeId: string | null,
): Record<keyof typeof fields, string> {
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    assigned_agent_id: task.assignee?.id ?? "",
    due_at: dateInputValue(task.due_at),
    task_type_id: taskTypeId ?? "",
    labels: labelsInputValue(task.labels ?? []),
  };
}

/** `undo` marks a move that takes back the one before it (the toast's Undo), so its answer reads as one. */
const undoFlag = z.literal("1").optional();

export const taskMoveSchema = z.object({ status: z.enum(TASK_STATUSES, { error: "Choose a status" }), undo: undoFlag }).strict();

/** The board's move form names the task; the task page takes it from the URL. */
/**
 * The board's move: the task, its lane, and optionally the card it goes
 * before in that lane (absent or empty: the end of the lane). The same status
 * with a `before` reorders the lane. Drag and drop posts these same fields.
 */
export const boardMoveSchema = z
  .object({
    taskId: z.uuid({ error: "Unknown task" }),
    status: z.enum(TASK_STATUSES, { error: "Choose a status" }),
    before: z.preprocess(emptyToNull, z.uuid({ error: "Unknown card to place it before" }).nullable()).default(null),
    undo: undoFlag,
  })
  .strict();

/** Quick add in a lane: a title, straight into a lane a task may start in. */
export const quickAddSchema = z
  .object({
    title: fields.title,
    status: z.enum(["planning", "inbox"], { error: "Quick add creates tasks in Planning or Inbox" }).default("inbox"),
  })
  .strict();

/** The task page's in-place edits: the name in `?edit=` and the one form field it saves. */
export const INLINE_FIELDS = {
  title: "title",
  description: "description",
  assignee: "assigned_agent_id",
  priority: "priority",
  due: "due_at",
  type: "task_type_id",
} as const;

export type InlineField = keyof typeof INLINE_FIELDS;

export function isInlineField(value: unknown): value is InlineField {
  return typeof value === "string" && Object.hasOwn(INLINE_FIELDS, value);
}

/**
 * One field's form: exactly that field, nothing else, so a save changes only
 * it (a field absent from the update keeps its value in SQL).
 */
export function inlineFieldSchema(field: InlineField) {
  const name = INLINE_FIELDS[field];
  return z.object({ [name]: fields[name] } as Pick<typeof fields, typeof name>).strict();
}
