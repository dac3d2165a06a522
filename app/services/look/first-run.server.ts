import { LONG_LIVED_S, appCookie } from "#app/services/http/cookies.server";
import { gatewayTestResult } from "#app/domain/first-run";
import type { Gateway } from "#app/services/agent-plane/gateway.server";

// Dismissing the first-run checklist is remembered in this browser for the
// person who dismissed it: the cookie lists the user ids that did (a shared
// machine keeps each person's choice).
const dismissedCookie = appCookie("mc_first_run_dismissed", { maxAge: LONG_LIVED_S });

async function dismissedIds(request: Request): Promise<string[]> {
  const value: unknown = await dismissedCookie.parse(request.headers.get("cookie"));
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").slice(-20) : [];
}

export async function firstRunDismissed(request: Request, userId: string): Promise<boolean> {
  return (await dismissedIds(request)).includes(userId);
}

export async function dismissFirstRun(request: Request, userId: string, secure: boolean): Promise<string> {
  const ids = (await dismissedIds(request)).filter((id) => id !== userId);
  return dismissedCookie.serialize([...ids, userId], { secure });
}

/** Tries the configured gateway once (lists its agents) and says what happened. */
export async function testGateway(gateway: Gateway | null, timeoutMs = 5000): Promise<{ ok: boolean; message: string }> {
  if (!gateway) return gatewayTestResult({ kind: "disabled" });
  if (gateway.status !== "connected")
    return gatewayTestResult({
      kind: "failed",
      message: "it is not connected (Mission Control keeps retrying; check the address, the token and that the gateway runs).",
    });
  let timer: NodeJS.Timeout | undefined;
  try {
    const agents = await Promise.race([
      gateway.listAgents(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s.`)), timeoutMs);
      }),
    ]);
    return gatewayTestResult({ kind: "ok", agents: agents.length });
  } catch (error) {
    return gatewayTestResult({ kind: "failed", message: (error as Error).message });
  } finally {
    clearTimeout(timer);
  }
}
