import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { AGENT_STATUSES } from "../agent-status";

export const agentSchema = z
  .object({
    name: z.string().trim().min(1, "A name is required").max(L.agents.name, atMost(L.agents.name)),
    role: z.string().trim().max(L.agents.role, atMost(L.agents.role)).default(""),
    emoji: z.string().trim().max(L.agents.emoji, "One emoji, please").default(""),
    model: z.string().trim().max(L.agents.model, atMost(L.agents.model)).default(""),
    openclaw_agent_id: z
      .string()
      .trim()
      .refine((v) => v === "" || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v), "Letters, digits, dot, dash, underscore")
      .default(""),
    status: z.enum(AGENT_STATUSES, { error: "Choose a status" }).default("standby"),
    /** The gateway its runs go to: empty for the default gateway; absent leaves it as it is (decision 052). */
    gateway_id: z.union([z.literal(""), z.uuid({ error: "Choose a registered gateway" })], { error: "Choose a registered gateway" }).optional(),
  })
  .strict();
