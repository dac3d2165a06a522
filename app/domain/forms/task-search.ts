import { z } from "zod";
import { INPUT_LIMITS } from "../field-limits";

/** How many tasks the palette's search answers at most. */
export const TASK_SEARCH_MAX = 20;

/** GET /w/:slug/search.json?q=…&limit=…: the text to find in task titles. */
export const taskSearchSchema = z
  .object({
    q: z
      .string({ error: "q is required" })
      .trim()
      .min(1, { error: "q must not be empty" })
      .max(INPUT_LIMITS.taskSearch, { error: `q must be at most ${INPUT_LIMITS.taskSearch} characters` }),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int({ error: "limit must be a whole number" })
      .min(1, { error: "limit must be at least 1" })
      .max(TASK_SEARCH_MAX, { error: `limit must be at most ${TASK_SEARCH_MAX}` })
      .default(8),
  })
  .strict();
