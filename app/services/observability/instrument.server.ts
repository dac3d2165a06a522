import { countDispatch, observeHeartbeat } from "./metrics.server";
import { withSpan } from "./telemetry.server";

// Spans and metrics around the orchestration paths (heartbeat runs, dispatches),
// kept here so the services themselves only gain a one-line wrapper.

export async function instrumentHeartbeat<T extends object>(trigger: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  return withSpan("heartbeat.run", { attributes: { "mc.heartbeat.trigger": trigger } }, async (span) => {
    try {
      const result = await fn();
      const skipped = "skipped" in result;
      span?.setAttribute("mc.heartbeat.result", skipped ? "skipped" : "ok");
      if ("actions" in result && Array.isArray(result.actions)) span?.setAttribute("mc.heartbeat.actions", result.actions.length);
      if ("gateway_calls" in result && typeof result.gateway_calls === "number") span?.setAttribute("mc.heartbeat.gateway_calls", result.gateway_calls);
      observeHeartbeat(trigger, skipped ? "skipped" : "ok", (performance.now() - t0) / 1000);
      return result;
    } catch (error) {
      observeHeartbeat(trigger, "error", (performance.now() - t0) / 1000);
      throw error;
    }
  });
}

/** One dispatch of a claimed task: a `dispatch` span and mc_dispatch_total{outcome}. */
export async function instrumentDispatch<T extends { action: string; reason: string | null }>(
  ids: { taskId: string; agentId: string },
  fn: () => Promise<T>,
): Promise<T> {
  return withSpan("dispatch", { attributes: { "mc.task_id": ids.taskId, "mc.agent_id": ids.agentId } }, async (span) => {
    try {
      const result = await fn();
      span?.setAttribute("mc.dispatch.outcome", result.action);
      if (result.reason) span?.setAttribute("mc.dispatch.reason", result.reason);
      countDispatch(result.action);
      return result;
    } catch (error) {
      countDispatch("dispatch_error");
      throw error;
    }
  });
}
