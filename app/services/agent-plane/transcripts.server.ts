import { TRANSCRIPT_PAGE_SIZE, type TaskTranscript, parseTranscript } from "#app/domain/transcript";
import { type Gateway, GatewayUnavailableError } from "./gateway.server";

// The task page's view of its agent session (decision 036): one page of the
// gateway's transcript, or why there is none. Never throws for a gateway that
// is away: the page renders and says so.

export async function taskTranscript(
  gateway: Gateway | null,
  task: { session_key: string | null; run_id: string | null },
  offset: number,
): Promise<TaskTranscript> {
  if (!task.session_key) return { state: "no_session" };
  if (!gateway || gateway.status === "disabled") return { state: "disabled" };
  if (gateway.status !== "connected") return { state: "disconnected" };
  try {
    const payload = await gateway.transcript(task.session_key, { limit: TRANSCRIPT_PAGE_SIZE, offset });
    return { state: "ok", page: parseTranscript(payload, { offset, runId: task.run_id }) };
  } catch (error) {
    if (!(error instanceof GatewayUnavailableError)) throw error;
    if (error.reason === "gateway_disconnected") return { state: "disconnected" };
    return { state: "unavailable", reason: error.reason };
  }
}
