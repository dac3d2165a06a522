import { z } from "zod";
import { formatUsd } from "./money";
import { STATUS_LABELS, type TaskStatus } from "./task-status";

/**
 * A short message about what an action just did, shown once on the next page
 * (the flash). An undo is a plain POST form: where it goes and the fields it
 * sends, so it works without JavaScript. A refusal about one board card names
 * that card, so the card shows it too.
 */
export const TOAST_KINDS = ["success", "error", "info"] as const;
export type ToastKind = (typeof TOAST_KINDS)[number];

const MAX_MESSAGE = 300;

/**
 * How long a deleted task can be restored: the heartbeat purges it after.
 * Long enough for the toast's Undo without JavaScript (the toast stays until
 * the next page) and for "I deleted the wrong one" a little later.
 */
export const DELETED_TASK_UNDO_S = 30 * 60;

export const toastSchema = z.object({
  id: z.string().max(40),
  kind: z.enum(TOAST_KINDS),
  message: z.string().min(1).max(MAX_MESSAGE),
  undo: z
    .object({
      /** A same-origin path (with its query) that takes the POST. */
      action: z
        .string()
        .max(500)
        .regex(/^\/(?!\/)/),
      label: z.string().max(40).optional(),
      fields: z.record(z.string().max(40), z.string().max(200)),
    })
    .optional(),
  taskId: z.string().max(40).optional(),
});

export type Toast = z.infer<typeof toastSchema>;
export type ToastInput = Omit<Toast, "id"> & { id?: string };

/** Cuts a message to what the toast holds, with an ellipsis. */
export function clipMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

/** A title in curly quotes, shortened so a long one does not fill the toast. */
export function quoted(title: string, max = 60): string {
  const t = title.trim();
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** How a toast reads its timeout: errors and toasts with an undo stay longer. */
export function toastTimeoutMs(toast: Pick<Toast, "kind" | "undo">): number {
  if (toast.kind === "error") return 12_000;
  return toast.undo ? 10_000 : 5_000;
}

/** "Budget saved: $50.00 a day, $500.00 in total" (or "no limit"). */
export function budgetSavedMessage(daily: number | null, total: number | null): string {
  if (daily === null && total === null) return "Budget saved: no limits.";
  const parts = [daily === null ? null : `${formatUsd(daily)} a day`, total === null ? null : `${formatUsd(total)} in total`].filter(Boolean);
  return `Budget saved: ${parts.join(", ")}.`;
}

/**
 * The toast after a manual move: where it went and an undo that moves it
 * back (the same gated move, so a refusal is said as one). An undo's own
 * toast offers no undo. `fields` are what the move form needs besides the
 * status (the board names the task; the task page has it in its address).
 */
export function moveToast(opts: {
  title: string;
  from: TaskStatus;
  to: TaskStatus;
  undoAction: string;
  fields?: Record<string, string>;
  wasUndo?: boolean;
  nextStage?: boolean;
}): ToastInput {
  const { title, from, to, undoAction, fields, wasUndo, nextStage } = opts;
  if (nextStage) return { kind: "success", message: `Moved ${quoted(title)} on to its next stage.` };
  if (wasUndo) return { kind: "info", message: `Moved ${quoted(title)} back to ${STATUS_LABELS[to]}.` };
  return {
    kind: "success",
    message: `Moved ${quoted(title)} to ${STATUS_LABELS[to]}.`,
    undo: { action: undoAction, fields: { ...fields, intent: "move", status: from, undo: "1" } },
  };
}

/** A refused move, on its card: "Couldn't move" or, for an undo, "Couldn't undo". */
export function refusedMoveMessage(message: string, wasUndo: boolean): string {
  return wasUndo ? `Couldn't undo the move: ${message}` : message;
}
