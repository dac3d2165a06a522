import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { AUTONOMY_LEVELS } from "../autonomy";

// Pipeline template forms. A checkbox is absent when unchecked, so the gate
// flag is "on" or missing.

export const pipelineSchema = z
  .object({
    name: z.string().trim().min(1, "A name is required").max(L.pipelines.name, atMost(L.pipelines.name)),
    description: z.string().max(L.pipelines.description, atMost(L.pipelines.description)).default(""),
  })
  .strict();

export const stageSchema = z
  .object({
    stage_id: z.uuid({ error: "Unknown stage" }).optional(),
    name: z.string().trim().min(1, "A name is required").max(L.pipeline_stages.name, atMost(L.pipeline_stages.name)),
    agent_id: z.uuid({ error: "Choose an agent from the list" }),
    autonomy_level: z.enum(AUTONOMY_LEVELS, { error: "Choose a level" }),
    gate_advance: z
      .enum(["on"], { error: "Tick the box or leave it empty" })
      .optional()
      .transform((v) => v === "on"),
  })
  .strict();

export const stageRefSchema = z
  .object({
    stage_id: z.uuid({ error: "Unknown stage" }),
    direction: z.enum(["up", "down"], { error: "Move up or down" }).optional(),
  })
  .strict();
