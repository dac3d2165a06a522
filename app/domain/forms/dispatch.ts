import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
import { OTHER } from "../planning";

export const reassignSchema = z.object({ agent_id: z.uuid({ error: "Choose an agent" }) }).strict();

/** A planning answer: one of the agent's options, or "Other" with the operator's own words. */
export const planningAnswerSchema = z
  .object({
    question_id: z.uuid({ error: "Unknown question" }),
    choice: z.string().min(1, "Choose an answer").max(INPUT_LIMITS.planningOption),
    other: z.string().trim().max(L.planning_questions.answer, atMost(L.planning_questions.answer)).default(""),
  })
  .strict()
  .refine((a) => a.choice !== OTHER || a.other.length > 0, { path: ["other"], message: "Write your answer" })
  .transform((a) => ({ question_id: a.question_id, answer: a.choice === OTHER ? a.other : a.choice }));
