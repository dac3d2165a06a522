import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { AUTONOMY_LEVELS, GATED_ACTIONS, RISKS } from "../autonomy";
import { execAllowlistField } from "../exec-approvals";

export const autonomySchema = z.object({ autonomy_level: z.enum(AUTONOMY_LEVELS, { error: "Choose a level" }) }).strict();

/** Checkbox groups arrive as repeated fields; parseForm keeps one value per key, so gates come as a comma list. */
export const taskTypeSchema = z
  .object({
    id: z.uuid({ error: "Unknown task type" }),
    name: z.string().trim().min(1, "A name is required").max(L.task_types.name, atMost(L.task_types.name)),
    risk: z.enum(RISKS, { error: "Choose a risk class" }),
    default_autonomy: z.enum(AUTONOMY_LEVELS, { error: "Choose a level" }),
    gated_actions: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(GATED_ACTIONS, { error: "Unknown gated action" }))),
    veto_minutes: z.coerce.number({ error: "Minutes, please" }).int("Whole minutes").min(1, "At least 1 minute").max(1440, "At most 24 hours"),
    expiry_policy: z.enum(["deny", "escalate"], { error: "Choose deny or escalate" }),
    /** Commands an autonomous agent runs without asking (decision 043), one pattern per line; left as it is when absent. */
    exec_allowlist: execAllowlistField.optional(),
  })
  .strict()
  .refine((t) => !(t.risk === "high" && t.default_autonomy === "autonomous"), {
    path: ["default_autonomy"],
    message: "High-risk work is never autonomous",
  });
