import { randomUUID } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import type { Actor } from "#app/db/actor";
import { getStopControls } from "#app/db/dispatch.server";
import { logTaskActivity, type TaskDetail } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { steerRefusal } from "#app/domain/forms/steer";
import { parseSessionKey } from "#app/domain/openclaw";
import { type Gateway, GatewayUnavailableError } from "../agent-plane/gateway.server";
import type { Logger } from "../observability/logger.server";
import { withSpan } from "../observability/telemetry.server";

// Steering a run (decision 037): an operator's message into the task's
// session. The gateway queues it behind a run that is going, or starts a turn
// on an idle session; the reply comes back like any other run on the session
// (completion.server.ts). Sent or not, the task's activity says so, with who
// sent it; a message that did not reach the gateway never reads as sent.

export interface SteerDeps {
  db: Database;
  log: Logger;
  gateway: Gateway | null;
}

type Halt = "emergency_stop" | "workspace_paused" | "agent_paused" | null;

/** The stop control in effect for the task's agent, if any (decision 035). */
export async function haltOf(db: Database, task: TaskDetail): Promise<Halt> {
  const stops = await getStopControls(db, task.workspace_id);
  if (stops.emergency) return "emergency_stop";
  if (stops.workspace_paused_at) return "workspace_paused";
  if (task.assignee && stops.paused_agents.some((a) => a.id === task.assignee!.id)) return "agent_paused";
  return null;
}

/** Sends `message` into the task's session; refuses (409) a task whose session cannot take one, and (503) when the gateway cannot be reached. */
export async function steerTask({ db, log, gateway }: SteerDeps, task: TaskDetail, message: string, actor: Actor): Promise<{ runId: string }> {
  const refusal = steerRefusal(task, await haltOf(db, task));
  if (refusal) throw new AppError("conflict", refusal);
  const sessionKey = task.session_key!;
  // The session's own agent: the key names it, whoever the task is assigned to now.
  const agentId = parseSessionKey(sessionKey)?.agentId;
  if (!agentId) throw new AppError("conflict", "The task's session is not an agent session Mission Control can message.");
  return withSpan("run.steer", { kind: SpanKind.INTERNAL, attributes: { "mc.task_id": task.id } }, async (span) => {
    let runId: string;
    try {
      if (!gateway) throw new GatewayUnavailableError("gateway_disabled", "no gateway is configured");
      ({ runId } = await gateway.sendMessage({ agentId, sessionKey, message, idempotencyKey: `mc-task-${task.id}-steer-${randomUUID()}` }));
    } catch (error) {
      if (!(error instanceof GatewayUnavailableError)) throw error;
      span?.setAttribute("mc.sent", false);
      log.warn({ event: "run.steer_failed", task_id: task.id, reason: error.reason, detail: error.message });
      await logTaskActivity(db, task.id, {
        type: "steer_failed",
        message: `Could not send a message to the agent (${gatewayWords(error.reason)}): ${message}`,
        metadata: { reason: error.reason, session_key: sessionKey },
        actor,
      });
      throw new AppError("unavailable", `The message was not sent: ${gatewayWords(error.reason)}. Try again once the gateway is back.`);
    }
    span?.setAttribute("mc.sent", true);
    span?.setAttribute("mc.run_id", runId);
    log.info({ event: "run.steered", task_id: task.id, run_id: runId, chars: message.length });
    await logTaskActivity(db, task.id, {
      type: "steer",
      message: `Message to the agent: ${message}`,
      metadata: { run_id: runId, session_key: sessionKey },
      actor,
    });
    return { runId };
  });
}

export function gatewayWords(reason: string): string {
  if (reason === "gateway_disabled") return "no gateway is configured";
  if (reason === "gateway_disconnected") return "the gateway is not connected";
  if (reason === "gateway_timeout") return "the gateway did not answer in time";
  return `the gateway refused it (${reason.replace(/^gateway_error:/, "")})`;
}
