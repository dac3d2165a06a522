import {
  type ClaimedTask,
  claimTasksForDispatch,
  countDispatchable,
  explainNotDispatchable,
  issueTaskToken,
  markTaskDispatched,
  recordDispatchFailure,
} from "#app/db/dispatch.server";
import type { HeartbeatAction } from "#app/db/heartbeat.server";
import { markMentionsDispatched, queuedMentionsFor } from "#app/db/comments.server";
import { AppError } from "#app/domain/errors";
import { backoffDelay } from "#app/domain/backoff";
import { buildDispatchMessage, dispatchIdempotencyKey } from "#app/domain/dispatch-message";
import { randomToken, sha256Hex } from "../auth/crypto.server";
import { type Gateway, GatewayUnavailableError } from "../agent-plane/gateway.server";
import type { GatewayLookup } from "../agent-plane/gateway-registry.server";
import { instrumentDispatch } from "../observability/instrument.server";
import { countDispatch } from "../observability/metrics.server";
import type { Database } from "#app/db/types";
import type { Env } from "#app/env.server";
import type { Logger } from "../observability/logger.server";

// One dispatch path for the UI button and the heartbeat: claim atomically
// (SKIP LOCKED; the claim also reserves the run's expected cost against every
// budget that applies and refuses a task that does not fit, so a refused task
// never reaches the gateway), mint a task-scoped token, start the run on the task's own
// session, then record it. A failure is stored with a machine-readable reason
// and retried with backoff; after DISPATCH_MAX_ATTEMPTS the task is parked.

/** What a dispatch reads: the gateways it starts runs on (each agent's own, decision 052) and three settings. */
export interface DispatchDeps {
  db: Database;
  log: Logger;
  gateways: GatewayLookup;
  settings: Pick<Env, "LEASE_MINUTES" | "DISPATCH_MAX_ATTEMPTS" | "publicUrl">;
}

const CLAIM_SECONDS = 120;
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 60 * 60_000;

export async function dispatchReady(deps: DispatchDeps, limit: number): Promise<HeartbeatAction[]> {
  const { db, gateways } = deps;
  if (limit <= 0) return [];
  const connected = gateways.connected();
  if (!connected.any) {
    const { ready } = await countDispatchable(db);
    if (ready > 0) countDispatch("dispatch_skipped");
    return ready > 0
      ? [{ task_id: null, action: "dispatch_skipped", reason: gateways.configured() ? "gateway_disconnected" : "gateway_disabled", ok: false }]
      : [];
  }
  // Only tasks whose agent's gateway is connected are claimed: a gateway that is
  // down holds back its own agents' tasks (their attempts unspent), no one else's.
  const claimed = await claimTasksForDispatch(db, limit, CLAIM_SECONDS, undefined, connected.claim);
  // Each claimed task has its own session and idempotency key: start their runs
  // together (on whichever gateways), so a run of N dispatches costs about one round trip, not N.
  return Promise.all(
    claimed.map((task) => {
      const gateway = gateways.get(task.agent.gateway_id ?? null);
      if (!gateway) return dispatchFailed(deps, task, new GatewayUnavailableError("gateway_disabled", "the agent's gateway is not configured"));
      return dispatchClaimed(deps, gateway, task);
    }),
  );
}

/** The operator's "Dispatch now": the same path, for one task, with a clear refusal. */
export async function dispatchOne(deps: DispatchDeps, taskId: string): Promise<HeartbeatAction> {
  const { db } = deps;
  const gateway = await deps.gateways.forTask(taskId);
  if (!gateway)
    throw new AppError(
      "unavailable",
      "The agent's OpenClaw gateway is not configured (set OPENCLAW_GATEWAY_URL, or choose a registered gateway on the agent's page).",
      { reason: "gateway_disabled" },
    );
  if (gateway.status !== "connected") {
    throw new AppError("unavailable", "The agent's OpenClaw gateway is not connected; the task stays assigned and can be dispatched later.", {
      reason: "gateway_disconnected",
    });
  }
  const [task] = await claimTasksForDispatch(db, 1, CLAIM_SECONDS, taskId);
  if (!task) {
    const why = await explainNotDispatchable(db, taskId);
    if (!why) throw new AppError("not_found", "Task not found.");
    const message =
      why.reason === "budget_exceeded" && why.message ? `Not dispatched: ${why.message} Raise the budget, then retry.` : NOT_DISPATCHABLE[why.reason];
    throw new AppError("conflict", message ?? "The task cannot be dispatched now.", why);
  }
  const action = await dispatchClaimed(deps, gateway, task);
  if (!action.ok) throw new AppError("unavailable", `The gateway refused the dispatch (${action.reason}); it will be retried.`, { reason: action.reason });
  return action;
}

const NOT_DISPATCHABLE: Record<string, string> = {
  not_assigned: "Only an assigned task can be dispatched.",
  no_agent: "Choose an agent first.",
  agent_has_no_openclaw_id: "The agent has no OpenClaw agent id: set one on the agent's page.",
  agent_offline: "The agent is offline.",
  dispatch_in_progress: "A dispatch of this task is already under way.",
  needs_approval: "Dispatching this task needs an approval first; the heartbeat asks for one.",
  emergency_stop: "The emergency stop holds: nothing is dispatched until an admin resumes.",
  workspace_paused: "This workspace is paused: nothing in it is dispatched until it is resumed.",
  agent_paused: "The agent is paused: it is dispatched nothing until it is resumed.",
  blocked: "This task waits on another that is not done yet: it is dispatched once that one is done or cancelled.",
};

function dispatchClaimed(deps: DispatchDeps, gateway: Gateway, task: ClaimedTask): Promise<HeartbeatAction> {
  return instrumentDispatch({ taskId: task.id, agentId: task.agent.id }, () => dispatchClaimedOnce(deps, gateway, task));
}

async function dispatchClaimedOnce({ db, log: parentLog, settings }: DispatchDeps, gateway: Gateway, task: ClaimedTask): Promise<HeartbeatAction> {
  const log = parentLog.child({ task_id: task.id, agent_id: task.agent.id });
  const leaseSeconds = settings.LEASE_MINUTES * 60;
  try {
    const token = randomToken("mct_");
    await issueTaskToken(db, {
      tokenHash: sha256Hex(token),
      taskId: task.id,
      agentId: task.agent.id,
      ttlSeconds: leaseSeconds + 24 * 3600,
    });
    // Comments that mention the agent and waited for this dispatch go with it (decision 045).
    const mentions = await queuedMentionsFor(db, task.id, task.agent.id);
    const comments = mentions.map((m) => ({ comment_id: m.comment_id, author_name: m.author_name, body: m.body }));
    const run = await gateway.startRun({
      agentId: task.agent.openclaw_agent_id,
      sessionKey: task.session_key,
      message: buildDispatchMessage({ ...task, comments }, { baseUrl: settings.publicUrl, agentToken: token }),
      idempotencyKey: dispatchIdempotencyKey(task.id, task.dispatch_count),
    });
    await markTaskDispatched(db, task.id, { runId: run.runId, sessionKey: task.session_key, leaseSeconds });
    if (mentions.length > 0)
      await markMentionsDispatched(
        db,
        mentions.map((m) => m.mention_id),
        run.runId,
      );
    log.info({ event: "agent.dispatched", run_id: run.runId, session_key: task.session_key }, "task dispatched");
    log.info({ event: "task.state_changed", to: "in_progress", via: "dispatch", run_id: run.runId }, "dispatch started the task");
    return { task_id: task.id, action: "dispatched", reason: null, ok: true };
  } catch (error) {
    if (error instanceof AppError && error.code === "conflict") {
      // The task moved on while we dispatched (e.g. its run already finished).
      log.info({ event: "agent.dispatch_superseded" }, error.message);
      return { task_id: task.id, action: "dispatch_superseded", reason: "task_moved", ok: true };
    }
    return dispatchFailed({ db, log: parentLog, settings }, task, error);
  }
}

/** A dispatch that did not start: the reason is stored and the task retried with backoff, or parked. */
async function dispatchFailed(
  { db, log: parentLog, settings }: Pick<DispatchDeps, "db" | "log" | "settings">,
  task: ClaimedTask,
  error: unknown,
): Promise<HeartbeatAction> {
  const log = parentLog.child({ task_id: task.id, agent_id: task.agent.id });
  const reason = error instanceof GatewayUnavailableError ? error.reason : "dispatch_error";
  const retryMs = backoffDelay(task.dispatch_attempts - 1, Math.random, RETRY_BASE_MS, RETRY_CAP_MS);
  const result = await recordDispatchFailure(db, task.id, {
    reason,
    retrySeconds: Math.ceil(retryMs / 1000),
    maxAttempts: settings.DISPATCH_MAX_ATTEMPTS,
  });
  log.warn({ event: "agent.dispatch_failed", reason, parked: result.parked, err: error }, "dispatch failed");
  return { task_id: task.id, action: result.parked ? "dispatch_parked" : "dispatch_failed", reason, ok: false };
}
