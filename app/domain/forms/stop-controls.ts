import { z } from "zod";
import { COLUMN_LIMITS, INPUT_LIMITS } from "../field-limits";

// The stop controls' one form (decision 035): what to stop or resume, and the
// page to go back to. The emergency stop may carry a reason the header shows.

export const STOP_INTENTS = ["emergency-stop", "emergency-resume", "pause-workspace", "resume-workspace", "pause-agent", "resume-agent"] as const;
export type StopIntent = (typeof STOP_INTENTS)[number];

export const STOP_REASON_MAX = COLUMN_LIMITS.installation_controls.emergency_stop_reason;

/** The form's intent field (read apart: parseForm leaves intent to the route). */
export const stopIntentSchema = z.enum(STOP_INTENTS, { error: "Unknown stop control" });

export const stopControlSchema = z.strictObject({
  reason: z.string().trim().max(STOP_REASON_MAX, `At most ${STOP_REASON_MAX} characters`).optional(),
  workspace_id: z.uuid({ error: "Unknown workspace" }).optional(),
  agent_id: z.uuid({ error: "Unknown agent" }).optional(),
  /** "1": also stop the runs going on now (pausing a workspace or an agent). */
  abort: z.literal("1", { error: "Tick the box or leave it" }).optional(),
  redirect_to: z.string().max(INPUT_LIMITS.returnTo).optional(),
});
export type StopControlInput = z.output<typeof stopControlSchema>;

/** Which subject an intent needs, so a form missing it is a 400 before any write. */
export function stopSubjectError(intent: StopIntent, input: StopControlInput): string | null {
  if (intent.endsWith("-workspace") && !input.workspace_id) return "Which workspace? The form sent none.";
  if (intent.endsWith("-agent") && !input.agent_id) return "Which agent? The form sent none.";
  return null;
}
