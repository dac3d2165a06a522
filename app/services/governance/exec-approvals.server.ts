import { SpanKind } from "@opentelemetry/api";
import { closeVetoWindows, expireApprovals, type ExecRequest, markExecResolved, recordExecRequest, settleExecRequests } from "#app/db/governance.server";
import type { Database } from "#app/db/types";
import { execDecisionDeadline, execDenialMessage, parseExecApprovalRequest } from "#app/domain/exec-approvals";
import { type Gateway, GatewayUnavailableError } from "../agent-plane/gateway.server";
import type { GatewayLookup } from "../agent-plane/gateway-registry.server";
import type { EventBus } from "../events/event-bus.server";
import type { Logger } from "../observability/logger.server";
import { withSpan } from "../observability/telemetry.server";

// Exec approvals under Mission Control's policy (decision 043). OpenClaw asks
// its approval clients before a command runs; Mission Control is one, and
// answers every request:
//
// 1. record_exec_request maps it to its task and decides by policy in one
//    transaction (allow now, deny now, a veto window, or an approver);
// 2. the decision reaches the gateway through `exec.approval.resolve`, here
//    and nowhere else: right away, when an approval is decided (its event on
//    the bus), when a veto window or an approval's deadline passes (a timer,
//    and the heartbeat after a restart), and after a reconnect (the gateway's
//    own list of what still waits);
// 3. a denied command's reason goes into the agent's session.
//
// The gateway takes the first answer; answering twice is harmless, so several
// instances may all do this. Nothing here runs a command: without an answer,
// the gateway's own fallback (askFallback, deny by default) applies.

export interface ExecApprovalDeps {
  db: Database;
  log: Logger;
  /** The gateway this listener hears requests from. */
  gateway: Gateway;
  /** Where each decision goes: the gateway of the request's agent (decision 052). */
  gateways: GatewayLookup;
  settings: { approvalTtlSeconds: number };
  now?: () => number;
}

/** How many decisions one sweep hands to the gateway. */
const SWEEP_LIMIT = 100;
/** Timers further out than this are left to the heartbeat (and re-armed by the next sweep). */
const MAX_TIMER_MS = 6 * 3600_000;

/** Records one `exec.approval.requested` payload and decides it; the span says what the policy did. */
export async function handleExecApprovalRequest(deps: ExecApprovalDeps, payload: unknown): Promise<ExecRequest | null> {
  const { db, log, gateway, settings } = deps;
  const now = deps.now?.() ?? Date.now();
  const parsed = parseExecApprovalRequest(payload);
  return withSpan("exec.approval.decide", { kind: SpanKind.INTERNAL }, async (span) => {
    if (!parsed.ok) {
      // Unreadable: never allowed. Denied at once when it has an id to answer.
      span?.setAttributes({ "mc.exec.gate": "deny", "mc.exec.by": "malformed" });
      log.warn({ event: "exec.request_malformed", gateway_request_id: parsed.id, detail: parsed.error });
      if (parsed.id) await gateway.resolveExecApproval(parsed.id, "deny").catch(() => {});
      return null;
    }
    const r = parsed.request;
    const deadline = new Date(execDecisionDeadline(r, now)).toISOString();
    const record = await recordExecRequest(
      db,
      {
        gateway_request_id: r.gatewayRequestId,
        command: r.command,
        argv: r.argv,
        cwd: r.cwd,
        host: r.host,
        gateway_agent_id: r.gatewayAgentId,
        session_key: r.sessionKey,
        run_id: r.runId,
        tool_call_id: r.toolCallId,
        gateway_expires_at: new Date(r.expiresAtMs).toISOString(),
      },
      deadline,
      settings.approvalTtlSeconds,
    );
    span?.setAttributes({
      "mc.exec.request_id": record.id,
      "mc.exec.gate": record.gate,
      "mc.exec.by": record.gate_by,
      "mc.exec.replayed": record.replayed,
      ...(record.task_id ? { "mc.task_id": record.task_id } : {}),
    });
    log.info({
      event: "exec.requested",
      exec_request_id: record.id,
      task_id: record.task_id,
      gate: record.gate,
      by: record.gate_by,
      replayed: record.replayed,
    });
    // A replay of a request we answered: the gateway did not get the answer, so it is told again.
    if (record.replayed && record.decision && record.resolved_at) await tellGateway(deps, record, { again: true });
    return record;
  });
}

/** Hands every decision the gateway has not taken yet to it; what cannot reach it now waits for the next sweep. */
export async function resolveExecDecisions(deps: Pick<ExecApprovalDeps, "db" | "log" | "gateways">): Promise<ExecRequest[]> {
  const due = await settleExecRequests(deps.db, SWEEP_LIMIT);
  for (const row of due) await tellGateway(deps, row, { again: false });
  return due;
}

type TellDeps = Pick<ExecApprovalDeps, "db" | "log" | "gateways"> & { gateway?: Gateway };

/** The gateway a request came from: the one it was heard on, else its agent's (the default for a request without one). */
async function gatewayOf(deps: TellDeps, row: ExecRequest): Promise<Gateway | null> {
  return deps.gateway ?? (row.agent_id ? deps.gateways.forAgent(row.agent_id) : deps.gateways.get(null));
}

async function tellGateway(deps: TellDeps, row: ExecRequest, opts: { again: boolean }): Promise<void> {
  const { db, log } = deps;
  if (!row.decision) return;
  const gateway = await gatewayOf(deps, row);
  if (!gateway) {
    log.warn({ event: "exec.resolve_deferred", exec_request_id: row.id, reason: "gateway_disabled" });
    return;
  }
  const decision = row.decision;
  const attributes = { "mc.exec.request_id": row.id, "mc.exec.decision": decision, ...(row.task_id ? { "mc.task_id": row.task_id } : {}) };
  await withSpan("exec.approval.resolve", { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    let refused: string | null = null;
    try {
      await gateway.resolveExecApproval(row.gateway_request_id, decision);
    } catch (error) {
      // Disconnected or timed out: the next sweep tries again. The gateway refused (unknown id, already decided): recorded.
      if (error instanceof GatewayUnavailableError && !error.reason.startsWith("gateway_error:")) {
        span?.setAttribute("mc.exec.retry", true);
        log.warn({ event: "exec.resolve_deferred", exec_request_id: row.id, reason: error.reason });
        return;
      }
      refused = error instanceof Error ? error.message : String(error);
    }
    span?.setAttribute("mc.exec.taken", refused === null);
    if (opts.again) return;
    await markExecResolved(db, row.id, refused);
    log.info({ event: refused ? "exec.resolve_refused" : "exec.resolved", exec_request_id: row.id, task_id: row.task_id, decision, detail: refused });
    if (decision === "deny" && refused === null && row.approval_id) await tellAgent({ log, gateway }, row);
  });
}

/** A denial the agent would otherwise see only as "denied": the reason, as a message in its session. */
async function tellAgent({ gateway, log }: { log: Logger; gateway: Gateway }, row: ExecRequest): Promise<void> {
  if (!row.session_key || !row.gateway_agent_id) return;
  try {
    await gateway.sendMessage({
      agentId: row.gateway_agent_id,
      sessionKey: row.session_key,
      message: execDenialMessage(row.command, row.decision_reason ?? "denied"),
      idempotencyKey: `mc-exec-denied-${row.id}`,
    });
  } catch (error) {
    log.warn({ event: "exec.denial_message_failed", exec_request_id: row.id, err: error });
  }
}

/**
 * Listens to the gateway and the bus for as long as the process runs. The
 * returned sweep() is what the heartbeat calls too.
 */
export function startExecApprovals(deps: ExecApprovalDeps & { bus: EventBus }): { stop: () => void; sweep: () => Promise<void> } {
  const { gateway, bus, log } = deps;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let sweeping: Promise<void> | null = null;
  let again = false;

  const sweep = async (): Promise<void> => {
    if (sweeping) {
      again = true;
      return sweeping;
    }
    sweeping = (async () => {
      do {
        again = false;
        await resolveExecDecisions({ db: deps.db, log, gateways: deps.gateways }).catch((error: unknown) =>
          log.error({ event: "error", err: error }, "exec approval sweep failed"),
        );
      } while (again);
    })().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };

  /** At a veto window's end or an approval's deadline: settle it, then tell the gateway. */
  const arm = (record: ExecRequest) => {
    const at = [record.approval?.veto_until, record.approval?.expires_at].filter((t): t is string => typeof t === "string").map((t) => Date.parse(t));
    for (const when of at) {
      const delay = Math.max(when - Date.now(), 0) + 50;
      if (delay > MAX_TIMER_MS) continue;
      const key = `${record.id}@${when}`;
      if (timers.has(key)) continue;
      const timer = setTimeout(() => {
        timers.delete(key);
        void (async () => {
          await closeVetoWindows(deps.db, SWEEP_LIMIT);
          await expireApprovals(deps.db, SWEEP_LIMIT);
          await sweep();
        })().catch((error: unknown) => log.error({ event: "error", err: error }, "exec approval timer failed"));
      }, delay);
      timer.unref?.();
      timers.set(key, timer);
    }
  };

  const onRequest = (payload: unknown) => {
    void handleExecApprovalRequest(deps, payload)
      .then(async (record) => {
        if (!record) return;
        if (record.gate === "hotl" || record.gate === "hitl") arm(record);
        await sweep();
      })
      .catch((error: unknown) => log.error({ event: "error", err: error }, "could not decide an exec approval request"));
  };

  /** After a (re)connect: what the gateway still waits on, requested while we were away. */
  const backfill = async () => {
    try {
      for (const payload of await gateway.listExecApprovals()) onRequest(payload);
      await sweep();
    } catch (error) {
      log.warn({ event: "exec.backfill_failed", err: error });
    }
  };

  const unsubscribers = [
    gateway.onExecApprovalRequested(onRequest),
    gateway.onStatus((status) => {
      if (status === "connected") void backfill();
    }),
    bus.subscribe((event) => {
      if (event.type === "approval.resolved" && event.json.includes('"action":"exec:')) void sweep();
    }),
  ];
  if (gateway.status === "connected") void backfill();

  return {
    sweep,
    stop() {
      for (const off of unsubscribers) off();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
