import type { AgentGatewayPanel } from "#app/domain/gateway-agent";
import { gatewayRefusal } from "#app/domain/first-run";
import type { Gateway } from "#app/services/agent-plane/gateway.server";

// The agent page's gateway panel: the connection, and (when connected) what
// the gateway says about the agent. Read on every view, with a short deadline
// of its own so a slow gateway delays the page by at most that much; the
// page renders whatever the gateway could not say as a sentence (decision 038).

/** How long the page waits for the gateway's answers. */
export const GATEWAY_PAGE_TIMEOUT_MS = 5_000;

export async function agentGatewayPanel(gateway: Gateway | null, openclawAgentId: string | null): Promise<AgentGatewayPanel> {
  const status = gateway?.status ?? "disabled";
  if (!gateway || status !== "connected") {
    const off = status === "disabled" ? "disabled" : "disconnected";
    return { status: off, refusal: gatewayRefusal(off) ?? "" };
  }
  if (!openclawAgentId) return { status: "connected", openclawAgentId: null };
  return { status: "connected", openclawAgentId, view: await gateway.describeAgent(openclawAgentId, GATEWAY_PAGE_TIMEOUT_MS) };
}
