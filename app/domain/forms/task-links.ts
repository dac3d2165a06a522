import { z } from "zod";
import { INPUT_LIMITS } from "../field-limits";

// The task page's link forms (decision 044): what a task waits on, and its
// parent. A task is named by its id or by its page's address (pasted from the
// browser), so the forms work without a picker and without JavaScript.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The task id in a pasted id or task address (the last id in it), or null. */
export function taskIdIn(text: string): string | null {
  const ids = text.match(new RegExp(UUID.source, "gi"));
  return ids?.length ? ids[ids.length - 1]!.toLowerCase() : null;
}

const taskRef = (message: string) =>
  z
    .string()
    .trim()
    .max(INPUT_LIMITS.taskReference)
    .transform((text, ctx) => {
      const id = taskIdIn(text);
      if (id) return id;
      ctx.issues.push({ code: "custom", message, input: text });
      return z.NEVER;
    });

export const addBlockerSchema = z.object({ blocked_by: taskRef("Paste a task's address or id") }).strict();

export const removeBlockerSchema = z.object({ blocked_by: z.uuid({ error: "Unknown task" }) }).strict();

/** Empty: no parent any more. */
export const setParentSchema = z
  .object({
    parent_id: z
      .string()
      .trim()
      .max(INPUT_LIMITS.taskReference)
      .transform((text, ctx) => {
        if (text === "") return null;
        const id = taskIdIn(text);
        if (id) return id;
        ctx.issues.push({ code: "custom", message: "Paste a task's address or id, or leave it empty", input: text });
        return z.NEVER;
      }),
  })
  .strict();
