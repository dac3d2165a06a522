import type { Actor } from "#app/db/actor";
import { addPlanningQuestion, finishPlanning, getPlanningState, recordPlanningAnswer, recordPlanningRun } from "#app/db/planning.server";
import { getTask, logTaskActivity } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { parseAgentReply } from "#app/domain/agent-replies";
import { buildPlanningMessage } from "#app/domain/dispatch-message";
import { taskSessionKey } from "#app/domain/openclaw";
import { AppError } from "#app/domain/errors";
import { type DispatchDeps, dispatchOne } from "./dispatcher.server";
import type { Gateway, RunFinished } from "../agent-plane/gateway.server";

// Planning mode: the agent asks multiple-choice questions in the task's own
// session until it returns a spec. The spec is stored and the task assigned
// in one transaction, then the task is dispatched through the normal path.

/** Starting a plan or answering a question talks to the agent's session on the gateway. */
export interface PlanningDeps {
  db: Database;
  gateway: Gateway | null;
}

function requireGateway(gateway: Gateway | null): Gateway {
  if (!gateway) throw new AppError("unavailable", "No OpenClaw gateway is configured (set OPENCLAW_GATEWAY_URL).", { reason: "gateway_disabled" });
  if (gateway.status !== "connected")
    throw new AppError("unavailable", "The OpenClaw gateway is not connected. Try again shortly.", { reason: "gateway_disconnected" });
  return gateway;
}

export async function startPlanning({ db, gateway }: PlanningDeps, taskId: string): Promise<void> {
  const gw = requireGateway(gateway);
  const state = await getPlanningState(db, taskId);
  if (!state) throw new AppError("not_found", "Task not found.");
  if (state.status !== "planning") throw new AppError("conflict", "Only a task in planning can be planned.");
  if (!state.openclaw_agent_id)
    throw new AppError("invalid", "Assign an agent with an OpenClaw agent id before planning.", {
      fields: { assigned_agent_id: "Needs an agent with an OpenClaw id" },
    });
  const task = await getTask(db, taskId);
  if (!task) throw new AppError("not_found", "Task not found.");
  const sessionKey = taskSessionKey(state.openclaw_agent_id, taskId);
  const run = await gw.startRun({
    agentId: state.openclaw_agent_id,
    sessionKey,
    message: buildPlanningMessage({ ...task, planning_spec: null }),
    idempotencyKey: `mc-task-${taskId}-planning-${state.questions.length}`,
  });
  await recordPlanningRun(db, taskId, run.runId, sessionKey);
}

export async function answerPlanningQuestion({ db, gateway }: PlanningDeps, taskId: string, questionId: string, answer: string, actor: Actor) {
  const gw = requireGateway(gateway);
  const state = await getPlanningState(db, taskId);
  if (!state || state.status !== "planning" || !state.session_key || !state.openclaw_agent_id) {
    throw new AppError("conflict", "The task is not waiting for planning answers.");
  }
  await recordPlanningAnswer(db, taskId, questionId, answer, actor);
  const question = state.questions.find((q) => q.id === questionId);
  const run = await gw.sendMessage({
    agentId: state.openclaw_agent_id,
    sessionKey: state.session_key,
    message: `The operator answered "${question?.question ?? "your question"}": ${answer}`,
    idempotencyKey: `mc-planning-answer-${questionId}`,
  });
  await recordPlanningRun(db, taskId, run.runId, state.session_key);
}

/** A planning reply that returns a spec dispatches the task, so it reads what a dispatch reads. */
export async function handlePlanningReply(deps: DispatchDeps, taskId: string, event: RunFinished): Promise<void> {
  const { db, log } = deps;
  if (event.status === "error") {
    await logTaskActivity(db, taskId, {
      type: "planning_failed",
      message: `The planning run failed: ${(event.text ?? "unknown error").slice(0, 500)}`,
      metadata: { run_id: event.runId },
      actor: { type: "system", name: "planning" },
    });
    return;
  }
  const reply = parseAgentReply(event.text);
  if (reply.kind === "spec") {
    const done = await finishPlanning(db, taskId, event.runId, reply.spec);
    if (done.changed) {
      log.info({ event: "task.state_changed", task_id: taskId, from: "planning", to: "assigned", via: "planning" }, "planning returned a spec");
      await dispatchOne(deps, taskId).catch((error: unknown) =>
        log.warn({ event: "planning.dispatch_deferred", task_id: taskId, err: error }, "planned task will be dispatched by the heartbeat"),
      );
    }
    return;
  }
  // A question, or free text: either way the operator answers next.
  const question = reply.kind === "question" ? reply.question : reply.kind === "other" ? reply.text || "The agent is waiting for your input." : reply.summary;
  const options = reply.kind === "question" ? reply.options : [];
  await addPlanningQuestion(db, taskId, event.runId, { question, options });
}
