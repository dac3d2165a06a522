import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGateway, type Gateway } from "#app/services/agent-plane/gateway.server";
import { createLogger } from "#app/services/observability/logger.server";
import { type OpenClawGateway, startOpenClaw } from "#tests/support/openclaw/gateway";
import { type StubModel, startStubModel } from "#tests/support/openclaw/stub-model";
import { median } from "./stats";

// The real OpenClaw gateway (the test suite's cached install) with the stub
// model, started once per bench run for the heartbeat dispatch measurement,
// and a reference client of our own to time one gateway round trip.

let shared: Promise<{ gateway: OpenClawGateway; stub: StubModel }> | null = null;

export function realGateway(): Promise<{ gateway: OpenClawGateway; stub: StubModel }> {
  shared ??= (async () => {
    const stub = await startStubModel();
    try {
      return { gateway: await startOpenClaw({ modelBaseUrl: stub.url }), stub };
    } catch (error) {
      await stub.close();
      throw error;
    }
  })();
  return shared;
}

export async function stopRealGateway(): Promise<void> {
  if (!shared) return;
  const started = await shared.catch(() => null);
  shared = null;
  await started?.gateway.stop();
  await started?.stub.close();
}

/**
 * Median time of one gateway round trip, from a client of our own: the same
 * `agent` request a dispatch makes (a new session each, the stub model
 * answering), and a plain `agents.list`.
 */
export async function gatewayRoundTripMs(url: string, token: string): Promise<{ agent: number; list: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-bench-gw-"));
  const client: Gateway = createGateway({ url, token, dataDir, log: createLogger("silent") });
  client.start();
  try {
    await waitConnected(client);
    const list: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t = performance.now();
      await client.listAgents();
      if (i >= 2) list.push(performance.now() - t);
    }
    const agent: number[] = [];
    for (let i = 0; i < 6; i++) {
      const key = randomUUID();
      const t = performance.now();
      await client.startRun({ agentId: "main", sessionKey: `agent:main:bench-${key}`, message: "MC-REPLY: ok", idempotencyKey: `bench-${key}` });
      if (i >= 1) agent.push(performance.now() - t);
    }
    return { agent: median(agent), list: median(list) };
  } finally {
    await client.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitConnected(client: Gateway, timeoutMs = 60_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (client.status !== "connected") {
    if (performance.now() > until) throw new Error("gateway client did not connect");
    await new Promise((r) => setTimeout(r, 50));
  }
}
