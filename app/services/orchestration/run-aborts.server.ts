import { SpanKind } from "@opentelemetry/api";
import type { Actor } from "#app/db/actor";
import { type LiveRun, recordRunAbort } from "#app/db/dispatch.server";
import type { Database } from "#app/db/types";
import type { GatewayLookup } from "../agent-plane/gateway-registry.server";
import type { Logger } from "../observability/logger.server";
import { withSpan } from "../observability/telemetry.server";

// Stopping a run on the gateway: a cancelled task, an agent or workspace
// paused with "stop its runs", the emergency stop. Each abort is a span and
// an activity on its task, whether it worked or not; one failing never keeps
// the others from being tried. The SQL that set the stop already keeps
// anything new from being dispatched.

export interface RunAbortDeps {
  db: Database;
  log: Logger;
  /** Each run is stopped on its task's agent's gateway (decision 052). */
  gateways: GatewayLookup;
}

export async function abortRuns(deps: RunAbortDeps, runs: readonly LiveRun[], actor: Actor, why: string): Promise<{ aborted: number; failed: number }> {
  let aborted = 0;
  let failed = 0;
  await Promise.all(
    runs.map(async (run) => {
      const ok = await abortRun(deps, run, actor, why);
      if (ok) aborted += 1;
      else failed += 1;
    }),
  );
  return { aborted, failed };
}

async function abortRun({ db, log, gateways }: RunAbortDeps, run: LiveRun, actor: Actor, why: string): Promise<boolean> {
  const attributes = { "mc.task_id": run.task_id, "mc.abort_reason": why, ...(run.run_id ? { "mc.run_id": run.run_id } : {}) };
  return withSpan("run.abort", { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    let detail: string | null = null;
    try {
      const gateway = await gateways.forTask(run.task_id);
      if (!gateway) throw new Error("no gateway is configured");
      await gateway.abortRun({ sessionKey: run.session_key, runId: run.run_id });
    } catch (error) {
      detail = error instanceof Error ? error.message : String(error);
    }
    span?.setAttribute("mc.aborted", detail === null);
    log[detail === null ? "info" : "warn"]({
      event: detail === null ? "run.aborted" : "run.abort_failed",
      task_id: run.task_id,
      run_id: run.run_id,
      why,
      detail,
    });
    await recordRunAbort(db, run.task_id, run.run_id, detail === null, detail, actor).catch((error: unknown) =>
      log.error({ event: "run.abort_record_failed", task_id: run.task_id, err: error }, "could not record a run abort"),
    );
    return detail === null;
  });
}

/** A task that was running (or planning) when it was cancelled or deleted: its run is stopped too. */
export async function abortTaskRun(
  deps: RunAbortDeps,
  task: { id: string; workspace_id: string; status: string; session_key: string | null; run_id: string | null; assignee_openclaw_id?: string | null },
  actor: Actor,
  why: string,
): Promise<boolean> {
  if (!task.session_key || (task.status !== "in_progress" && task.status !== "planning")) return false;
  const run: LiveRun = {
    task_id: task.id,
    workspace_id: task.workspace_id,
    session_key: task.session_key,
    run_id: task.run_id,
    openclaw_agent_id: task.assignee_openclaw_id ?? null,
  };
  return (await abortRuns(deps, [run], actor, why)).aborted === 1;
}
