/** The gateway connection as the app reports it ("connected", "disconnected", "disabled"). */
export type GatewayStatus = string;

/** What a new install has done so far, read from real state. */
export interface FirstRunState {
  workspaces: number;
  gateway: GatewayStatus;
  agents: number;
  tasks: number;
}

export interface FirstRunStep {
  id: "workspace" | "gateway" | "agent" | "task";
  label: string;
  done: boolean;
}

/** The checklist, in the order a new operator goes through it. */
export function firstRunSteps(state: FirstRunState): FirstRunStep[] {
  return [
    { id: "workspace", label: "Create a workspace", done: state.workspaces > 0 },
    { id: "gateway", label: "Connect the OpenClaw gateway", done: state.gateway === "connected" },
    { id: "agent", label: "Import or create an agent", done: state.agents > 0 },
    { id: "task", label: "Create the first task", done: state.tasks > 0 },
  ];
}

/** Shown until every step is done, unless the person dismissed it. */
export function showFirstRun(steps: FirstRunStep[], dismissed: boolean): boolean {
  return !dismissed && steps.some((s) => !s.done);
}

/**
 * Why an action that needs the gateway cannot run now, in words; null when it can.
 * Buttons that dispatch, plan or import show it and are disabled.
 */
export function gatewayRefusal(status: GatewayStatus): string | null {
  if (status === "disabled") return "No OpenClaw gateway is configured: set OPENCLAW_GATEWAY_URL and OPENCLAW_GATEWAY_TOKEN, then restart.";
  if (status === "disconnected") return "The OpenClaw gateway is not connected right now; Mission Control keeps trying.";
  return null;
}

/** A connection test's answer in words. */
export function gatewayTestResult(outcome: { kind: "disabled" } | { kind: "ok"; agents: number } | { kind: "failed"; message: string }): {
  ok: boolean;
  message: string;
} {
  switch (outcome.kind) {
    case "disabled":
      return { ok: false, message: "No gateway is configured. Set OPENCLAW_GATEWAY_URL and OPENCLAW_GATEWAY_TOKEN in the settings file, then restart." };
    case "ok":
      return { ok: true, message: `Connected. The gateway answered and lists ${outcome.agents} agent${outcome.agents === 1 ? "" : "s"}.` };
    case "failed":
      return { ok: false, message: `The gateway did not answer: ${outcome.message}` };
  }
}
