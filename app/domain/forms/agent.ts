import { z } from "zod";
import { AGENT_STATUSES } from "../agent-status";

export const agentSchema = z
  .object({
    name: z.string().trim().min(1, "A name is required").max(80, "At most 80 characters"),
    role: z.string().trim().max(200, "At most 200 characters").default(""),
    emoji: z.string().trim().max(8, "One emoji, please").default(""),
    model: z.string().trim().max(200, "At most 200 characters").default(""),
    openclaw_agent_id: z
      .string()
      .trim()
      .refine((v) => v === "" || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v), "Letters, digits, dot, dash, underscore")
      .default(""),
    status: z.enum(AGENT_STATUSES, { error: "Choose a status" }).default("standby"),
  })
  .strict();
