import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listModelPrices, recordUsage } from "#app/db/costs.server";
import { findPrice } from "#app/domain/costs";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { createAgent, createRunningTask, createWorkspace, query } from "#tests/support/fixtures";
import { openclawCacheDir } from "#tests/support/openclaw/install";

// The seeded price table knows the models OpenClaw ships in its catalog, so
// their usage is estimated rather than left "without cost".
const CURRENT = [
  ["anthropic/claude-opus-5", 5, 25],
  ["anthropic/claude-sonnet-5", 2, 10],
  ["anthropic/claude-haiku-4-5", 1, 5],
  ["openai/gpt-5.5", 5, 30],
  ["openai/gpt-6-sol", 2, 10],
  ["google/gemini-3.5-flash", 1.5, 9],
  ["xai/grok-4.7", 2, 6],
  ["github-copilot/claude-sonnet-5", 2, 10],
  ["opencode-go/kimi-k3", 3, 15],
] as const;

/** Every priced model of the installed OpenClaw catalog, as "provider/id"; null when OpenClaw is not installed here. */
function catalogModels(): string[] | null {
  const extensions = path.join(openclawCacheDir(), "node_modules", "openclaw", "dist", "extensions");
  if (!existsSync(path.join(openclawCacheDir(), ".mc-installed")) || !existsSync(extensions)) return null;
  const models: string[] = [];
  for (const plugin of readdirSync(extensions)) {
    const file = path.join(extensions, plugin, "openclaw.plugin.json");
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, "utf8")) as {
      modelCatalog?: { providers?: Record<string, { models?: Array<{ id: string; cost?: Record<string, unknown> }> }> };
    };
    for (const [provider, entry] of Object.entries(manifest.modelCatalog?.providers ?? {})) {
      for (const m of entry.models ?? []) {
        const cost = m.cost ?? {};
        if (["input", "output", "cacheRead", "cacheWrite"].some((k) => Number(cost[k] ?? 0) > 0)) models.push(`${provider}/${m.id}`);
      }
    }
  }
  return models;
}

describe.each(TRANSPORTS)("the seeded price table on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("estimates usage of the current models from the seeded prices", async () => {
    const ws = await createWorkspace(db(), { name: "Prices" });
    const agent = await createAgent(db(), ws.id, { name: "Pricer" });
    for (const [model, input, output] of CURRENT) {
      const run = await createRunningTask(db(), ws.id, agent.id);
      await recordUsage(db(), run.id, {
        source: "agent_api",
        dedupeKey: run.runId,
        runId: run.runId,
        usage: { model, input_tokens: 1_000_000, output_tokens: 1_000_000 },
      });
      const [row] = await query<{ provenance: string; cost_usd: string }>(db(), "select provenance, cost_usd from usage_records where task_id = $1", [run.id]);
      expect({ model, provenance: row!.provenance, cost: Number(row!.cost_usd) }).toEqual({ model, provenance: "estimated", cost: input + output });
    }
  });

  it("keeps the earlier seed's rows and versions as they were", async () => {
    const prices = await listModelPrices(db());
    const sonnet4 = prices.filter((p) => p.model === "claude-sonnet-4");
    expect(sonnet4.map((p) => [p.version, Number(p.input_usd_per_mtok), Number(p.output_usd_per_mtok)])).toEqual([[1, 3, 15]]);
    expect(prices.find((p) => p.model === "claude-opus-5")).toMatchObject({ version: 1, note: "OpenClaw 2026.9.6 model catalog (anthropic)", current: true });
  });

  it.skipIf(catalogModels() === null)("prices every model of the installed OpenClaw catalog that has a price", async () => {
    const prices = await listModelPrices(db());
    const now = new Date();
    const missing = catalogModels()!.filter((model) => findPrice(prices, model, now) === null);
    expect(missing).toEqual([]);
  });
});
