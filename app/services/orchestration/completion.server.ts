import { completeTask, recordRunFailure } from "#app/db/completion.server";
import { recordUsage } from "#app/db/costs.server";
import { findTaskBySession, logTaskActivity } from "#app/db/tasks.server";
import { parseAgentReply } from "#app/domain/agent-replies";
import type { Gateway, RunFinished } from "../agent-plane/gateway.server";
import type { DispatchDeps } from "./dispatcher.server";
import { handlePlanningReply } from "./planning.server";

// The gateway's own completion path: a finished run moves its task on (or
// feeds planning). The webhook and the agent API reach the same SQL function,
// which changes nothing for whoever comes second.

const GATEWAY_ACTOR = { type: "system", name: "gateway" } as const;

/** The gateway the run finished on reads its usage; a planning reply may dispatch, so the rest is a dispatch's. */
export type RunFinishedDeps = DispatchDeps & { gateway: Gateway };

export async function handleRunFinished(deps: RunFinishedDeps, event: RunFinished): Promise<void> {
  const { db } = deps;
  const task = await findTaskBySession(db, event.sessionKey);
  if (!task) return;
  const log = deps.log.child({ task_id: task.id, run_id: event.runId });
  if (task.status === "planning") {
    await handlePlanningReply(deps, task.id, event);
    return;
  }
  const ownRun = task.current_run_id === null || task.current_run_id === event.runId;
  if (event.status === "error") {
    if (!ownRun) return;
    await recordRunFailure(db, task.id, event.runId, event.text ?? "the run ended with an error");
    log.warn({ event: "agent.run_failed" }, "agent run failed");
    return;
  }
  const reply = parseAgentReply(event.text);
  // The dispatched run ending means the work is done. Another run in the same
  // session (a turn the gateway resumed after a crash, a reply to a stall
  // nudge) completes the task only when it says so.
  if (!ownRun && reply.kind !== "complete") {
    if (event.text) {
      await logTaskActivity(db, task.id, {
        type: "agent_reply",
        message: event.text.slice(0, 10_000),
        metadata: { run_id: event.runId },
        actor: GATEWAY_ACTOR,
      });
    }
    return;
  }
  const summary = reply.kind === "complete" ? reply.summary : (event.text ?? "");
  const result = await completeTask(db, task.id, {
    source: "gateway",
    summary,
    runId: ownRun ? event.runId : null,
    actor: GATEWAY_ACTOR,
  });
  if (result.changed) log.info({ event: "task.state_changed", to: result.status, via: "gateway" }, "run finished; task moved on");
  await pullGatewayUsage(deps, task.id, event);
}

/**
 * The gateway's usage for a run: its measurement is the run's figure, so it is
 * pulled whatever the agent reported (record_usage keeps a self-report for
 * the same run as a claim, and a repeat of this pull changes nothing).
 */
async function pullGatewayUsage({ db, log, gateway }: RunFinishedDeps, taskId: string, event: RunFinished): Promise<void> {
  try {
    const usage = await gateway.runUsage(event.sessionKey, event.runId);
    if (!usage) return;
    await recordUsage(db, taskId, { source: "gateway", dedupeKey: event.runId, runId: event.runId, usage });
  } catch (error) {
    log.warn({ event: "usage.pull_failed", task_id: taskId, run_id: event.runId, err: error }, "could not read run usage from the gateway");
  }
}
