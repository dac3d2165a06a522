import { hostname } from "node:os";
import { requestGatedDispatches } from "#app/db/dispatch.server";
import { closeVetoWindows, expireApprovals } from "#app/db/governance.server";
import { resolveExecDecisions } from "../governance/exec-approvals.server";
import { purgeDeletedTasks } from "#app/db/tasks.server";
import { DELETED_TASK_UNDO_S } from "#app/domain/toast";
import {
  type HeartbeatAction,
  extendLease,
  flagStall,
  listExpiredLeases,
  listStalledTasks,
  recordHeartbeatRun,
  requeueExpiredTask,
} from "#app/db/heartbeat.server";
import { requestStageAdvances } from "#app/db/pipelines.server";
import { buildStallNudge } from "#app/domain/dispatch-message";
import { handleRunFinished } from "./completion.server";
import { runDueRoutines } from "./routines.server";
import { kickNotifier } from "../notifications/notifier.server";
import type { RuntimeDatabase } from "#app/db/types";
import type { Env } from "#app/env.server";
import { type DispatchDeps, dispatchReady } from "./dispatcher.server";
import type { Gateway } from "../agent-plane/gateway.server";
import type { GatewayLookup } from "../agent-plane/gateway-registry.server";
import { withHeartbeatLease } from "./heartbeat-lease.server";
import { instrumentHeartbeat } from "../observability/instrument.server";
import type { Logger } from "../observability/logger.server";
import { checkClaimedTasks, claimTestingTasks, stopTestingChecks, type TestingClaim, type TestingDeps } from "./testing-stage.server";

// One heartbeat run. Under a PostgreSQL advisory lock (and an in-process
// flag, since the embedded database has a single connection) it does the
// quick SQL steps: creates the tasks of routines that fell due, requeues
// expired leases, flags stalls once, dispatches ready tasks within an action
// budget, closes veto windows, expires approvals and claims tasks in testing. Then, with the lock released, it checks the
// claimed tasks' deliverables (testing-stage.server.ts), which may take as
// long as their time budget, so the next run's steps never wait for a
// render. Finally it stores a receipt of everything. A run with nothing to
// do makes no gateway call at all.

export interface HeartbeatReceipt {
  run_id: string;
  started_at: string;
  duration_ms: number;
  actions: HeartbeatAction[];
  gateway_calls: number;
}

export type Trigger = "cron" | "scheduler" | "manual";

/**
 * What a run reads: the database (its sessions, where the transport has them,
 * for the advisory lock), the gateway, and the settings of every step,
 * approval requests' lifetime included.
 */
export interface HeartbeatDeps {
  db: RuntimeDatabase;
  log: Logger;
  /** Every gateway; each task's runs go to its agent's (decision 052). */
  gateways: GatewayLookup;
  settings: Pick<Env, "HEARTBEAT_ACTION_BUDGET" | "STALL_MINUTES" | "approvalTtlSeconds"> & DispatchDeps["settings"] & TestingDeps["settings"];
  draining: () => boolean;
}

const LOCK_KEY = 7_340_002; // arbitrary, fixed: "mission-control heartbeat"
const INSTANCE = `${hostname()}:${process.pid}`;
/** The locked steps of the run in progress in this process, if any. */
let orchestrating: Promise<unknown> | null = null;
/** Every run in progress in this process, checks included. */
const running = new Set<Promise<unknown>>();

/**
 * Resolves when no run is in progress in this process (shutdown waits on it
 * before closing the database). Checks in flight are stopped first: their
 * browsers are killed and their tasks handed back for the next run.
 */
export async function heartbeatIdle(): Promise<void> {
  stopTestingChecks();
  await Promise.all([...running].map((run) => run.catch(() => {})));
}

export function runHeartbeat(deps: HeartbeatDeps, trigger: Trigger): Promise<HeartbeatReceipt | { skipped: "already_running" }> {
  const run = instrumentHeartbeat(trigger, () => runHeartbeatOnce(deps, trigger));
  running.add(run);
  void run.finally(() => running.delete(run)).catch(() => {});
  return run;
}

interface Orchestrated {
  actions: HeartbeatAction[];
  claim: TestingClaim | null;
}

async function runHeartbeatOnce(deps: HeartbeatDeps, trigger: Trigger): Promise<HeartbeatReceipt | { skipped: "already_running" }> {
  if (orchestrating) return { skipped: "already_running" };
  const { db, log } = deps;
  const started = new Date();
  const t0 = performance.now();
  const counted = countingGateways(deps.gateways);
  const step = runExclusive(deps, () => orchestrate({ ...deps, gateways: counted.gateways }));
  orchestrating = step;
  let locked: Orchestrated | { skipped: "already_running" };
  try {
    locked = await step;
  } finally {
    orchestrating = null;
  }
  if ("skipped" in locked) return locked;
  const { actions, claim } = locked;
  // Straight after the lock, in the same synchronous step (see claimTestingTasks).
  if (claim) actions.push(...(await checkClaimedTasks(deps, claim)));

  const duration = Math.round(performance.now() - t0);
  const { id } = await recordHeartbeatRun(db, {
    trigger,
    instance: INSTANCE,
    startedAt: started.toISOString(),
    durationMs: duration,
    actions,
    gatewayCalls: counted.calls(),
  });
  log.info({ event: "heartbeat.run", run_id: id, trigger, actions: actions.length, duration_ms: duration, gateway_calls: counted.calls() }, "heartbeat run");
  // What the run changed (and approvals now close to expiring) goes out on the notifier's own pass; never awaited here.
  kickNotifier();
  for (const a of actions) {
    const to = HEARTBEAT_MOVES[a.action];
    if (to && a.task_id)
      log.info({ event: "task.state_changed", task_id: a.task_id, to, via: "heartbeat", reason: a.reason ?? a.action }, "heartbeat moved a task");
  }
  return { run_id: id, started_at: started.toISOString(), duration_ms: duration, actions, gateway_calls: counted.calls() };
}

function runExclusive<T>({ db, log }: HeartbeatDeps, fn: () => Promise<T>): Promise<T | { skipped: "already_running" }> {
  // No sessions (Supabase over HTTP): a lease row stands in for the advisory lock.
  if (!db.session) return withHeartbeatLease(db, log, INSTANCE, fn);
  return db.session(async (s) => {
    const [row] = await s.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [LOCK_KEY]);
    if (!row?.locked) return { skipped: "already_running" as const };
    try {
      return await fn();
    } finally {
      await s.query("select pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  });
}

/** The steps under the lock: each one or a few SQL calls (and gateway calls), none waits on a browser. */
async function orchestrate(deps: HeartbeatDeps): Promise<Orchestrated> {
  const { db, settings, log } = deps;
  const actions: HeartbeatAction[] = [];
  let budget = settings.HEARTBEAT_ACTION_BUDGET;

  // Routines first: a task they create this minute is dispatched in this same run.
  actions.push(...(await runDueRoutines(deps)));
  const spent = await requeueExpiredLeases(deps, budget, actions);
  budget -= spent;
  await flagStalls(deps, actions);
  const gated = await requestGatedDispatches(db, Math.max(budget, 0), settings.approvalTtlSeconds);
  for (const g of gated) actions.push({ task_id: g.task_id, action: "dispatch_approval_requested", reason: g.mode, ok: true });
  // Pipeline tasks whose stage reached review move on (or ask, when gated) before dispatch picks them up.
  const advances = await requestStageAdvances(db, Math.max(budget, 0), settings.approvalTtlSeconds);
  for (const a of advances) {
    actions.push({ task_id: a.task_id, action: a.advanced ? "stage_advanced" : "stage_advance_requested", reason: a.mode, ok: true });
  }
  const dispatched = await dispatchReady(deps, budget);
  actions.push(...dispatched);
  budget -= dispatched.filter((a) => a.task_id !== null).length;
  const vetoClosed = await closeVetoWindows(db, 100);
  for (const a of vetoClosed) {
    log.info({ event: "approval.decided", approval_id: a.id, task_id: a.task_id, decision: "approve", by: "veto_window" }, "veto window closed");
    actions.push({ task_id: a.task_id, action: "approval_auto_approved", reason: "veto_window_closed", ok: true });
  }
  const expired = await expireApprovals(db, 100);
  for (const a of expired) {
    actions.push({
      task_id: a.task_id,
      action: a.outcome === "escalated" ? "approval_escalated" : "approval_expired",
      reason: a.outcome === "escalated" ? "expiry_escalated" : "expired",
      ok: true,
    });
  }
  // Exec approvals whose window closed or that expired (and any decision a gateway outage held back) reach the gateway.
  if (deps.gateways.configured()) {
    const told = await resolveExecDecisions({ db, log: deps.log, gateways: deps.gateways });
    for (const e of told) actions.push({ task_id: e.task_id, action: "exec_decision_sent", reason: e.decision, ok: true });
  }
  // Deleted tasks whose undo window has passed go for good (their usage stays in the ledger).
  const purged = await purgeDeletedTasks(db, DELETED_TASK_UNDO_S);
  if (purged > 0) actions.push({ task_id: null, action: "deleted_tasks_purged", reason: `${purged} past the undo window`, ok: true });
  // Last: a step failing after the claim would strand it until it lapses.
  const claim = await claimTestingTasks(deps, INSTANCE, budget);
  return { actions, claim };
}

/** Heartbeat actions that move a task, and where to (dispatches and completions log their own). */
const HEARTBEAT_MOVES: Record<string, string> = {
  stage_advanced: "assigned",
  requeued: "assigned",
  checks_pass: "review",
  checks_fail: "assigned",
  checks_none_checkable: "review",
  checks_partial: "review",
};

/** Expired leases: ask the gateway about the run first; only a dead run is requeued. */
async function requeueExpiredLeases(deps: HeartbeatDeps, budget: number, actions: HeartbeatAction[]): Promise<number> {
  const { db, log, gateways, settings } = deps;
  const expired = await listExpiredLeases(db, budget);
  for (const task of expired) {
    const gateway = task.run_id && task.session_key ? await gateways.forTask(task.id) : null;
    if (gateway?.status === "connected" && task.run_id && task.session_key) {
      try {
        const state = await gateway.waitRun(task.run_id, 1);
        if (state.status === "pending" || state.status === "timeout") {
          await extendLease(db, task.id, settings.LEASE_MINUTES * 60);
          actions.push({ task_id: task.id, action: "lease_extended", reason: "run_still_active", ok: true });
          continue;
        }
        if (state.status === "ok" || state.status === "error") {
          await handleRunFinished({ ...deps, gateway }, { runId: task.run_id, sessionKey: task.session_key, status: state.status, text: state.text });
          actions.push({ task_id: task.id, action: "completion_recovered", reason: `run_${state.status}`, ok: true });
          continue;
        }
      } catch (error) {
        log.warn({ event: "heartbeat.lease_check_failed", task_id: task.id, err: error }, "could not ask the gateway about an expired run");
      }
    }
    const { changed } = await requeueExpiredTask(db, task.id);
    if (changed) actions.push({ task_id: task.id, action: "requeued", reason: "lease_expired", ok: true });
  }
  return expired.length;
}

async function flagStalls({ db, log, gateways, settings }: HeartbeatDeps, actions: HeartbeatAction[]): Promise<void> {
  const minutes = settings.STALL_MINUTES;
  const stalled = await listStalledTasks(db, minutes, 50);
  for (const task of stalled) {
    const { flagged } = await flagStall(db, task.id, minutes);
    if (!flagged) continue;
    let nudged = false;
    const gateway = task.session_key && task.openclaw_agent_id && !task.halt ? await gateways.forTask(task.id) : null;
    // A stop control (emergency stop, a paused workspace or agent) holds: flag the stall, but send the agent nothing.
    if (gateway?.status === "connected" && task.session_key && task.openclaw_agent_id && !task.halt) {
      try {
        await gateway.sendMessage({
          agentId: task.openclaw_agent_id,
          sessionKey: task.session_key,
          message: buildStallNudge(minutes),
          idempotencyKey: `mc-task-${task.id}-stall-${Date.now()}`,
        });
        nudged = true;
      } catch (error) {
        log.warn({ event: "heartbeat.nudge_failed", task_id: task.id, err: error }, "could not nudge a stalled session");
      }
    }
    actions.push({ task_id: task.id, action: "stall_flagged", reason: nudged ? "no_activity_nudged" : "no_activity", ok: true });
  }
}

/** Counts the gateway calls one run makes, on every gateway (the receipt reports them; an idle run must make none). */
function countingGateways(lookup: GatewayLookup): { gateways: GatewayLookup; calls: () => number } {
  let calls = 0;
  const count = () => {
    calls++;
  };
  const wrap = (gateway: Gateway | null) => (gateway ? countingGateway(gateway, count) : null);
  const gateways: GatewayLookup = {
    get: (id) => wrap(lookup.get(id)),
    forAgent: async (agentId) => wrap(await lookup.forAgent(agentId)),
    forTask: async (taskId) => wrap(await lookup.forTask(taskId)),
    connected: () => lookup.connected(),
    configured: () => lookup.configured(),
  };
  return { gateways, calls: () => calls };
}

function countingGateway(gateway: Gateway, count: () => void): Gateway {
  const counted = new Set(["startRun", "sendMessage", "waitRun", "runUsage", "listAgents"]);
  const proxy = new Proxy(gateway, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === "string" && counted.has(prop) && typeof value === "function") {
        return (...args: unknown[]) => {
          count();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return proxy;
}
