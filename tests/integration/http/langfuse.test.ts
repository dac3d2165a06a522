import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createWorkspace, query } from "#tests/support/fixtures";
import { signWebhook } from "#tests/support/http-client";
import { until as waitFor } from "#tests/support/until";
import { recordUsage } from "#app/db/costs.server";
import { useTestServer } from "#tests/support/test-server";

// The usage ledger exported to a loopback stand-in for Langfuse's ingestion
// API: every source's records arrive once as generations under their task's
// trace, an outage is retried, and a slow Langfuse never holds up a request.

type Mode = "down" | "ok" | "hold";
interface Event {
  id: string;
  type: string;
  body: Record<string, unknown> & { id: string; traceId?: string; usageDetails?: Record<string, number>; costDetails?: { total: number } };
}

function startLangfuse() {
  let mode: Mode = "down";
  const requests: Array<{ auth: string | undefined; events: Event[]; answered: number }> = [];
  const held: Array<() => void> = [];
  const answer = (res: ServerResponse, events: Event[]) => {
    res.writeHead(207, { "content-type": "application/json" });
    res.end(JSON.stringify({ successes: events.map((e) => ({ id: e.id, status: 201 })), errors: [] }));
  };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { batch: Event[] }).batch;
      const entry = { auth: req.headers.authorization, events, answered: 0 };
      requests.push(entry);
      if (req.url !== "/api/public/ingestion") return void res.writeHead(404).end();
      if (mode === "down") return void res.writeHead(503).end("{}");
      const reply = () => {
        entry.answered = 207;
        answer(res, events);
      };
      if (mode === "hold") held.push(reply);
      else reply();
    });
  });
  return {
    requests,
    held,
    setMode: (m: Mode) => {
      mode = m;
    },
    /** Generations Langfuse accepted. */
    accepted: () => requests.filter((r) => r.answered === 207).flatMap((r) => r.events.filter((e) => e.type === "generation-create")),
    listen: () =>
      new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("Langfuse export", () => {
  const langfuse = startLangfuse();
  const app = useTestServer({
    env: async () => ({
      LANGFUSE_HOST: await langfuse.listen(),
      LANGFUSE_PUBLIC_KEY: "pk-lf-test",
      LANGFUSE_SECRET_KEY: "sk-lf-test",
      LANGFUSE_FLUSH_INTERVAL_S: "0.2",
    }),
    after: () => langfuse.close(),
  });

  const pending = async () => (await query<{ n: number }>(app.db, "select count(*)::int as n from usage_records where langfuse_exported_at is null"))[0]!.n;

  // Runs before the harness stops the server (after hooks run last-registered first): nothing held may keep it waiting.
  afterAll(() => {
    for (const release of langfuse.held.splice(0)) release();
  });

  it("sends each record from every source once, after retrying an outage", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Exporter" });
    const viaApi = await createRunningTask(app.db, ws.id, agent.id);
    const viaWebhook = await createRunningTask(app.db, ws.id, agent.id);
    const viaGateway = await createRunningTask(app.db, ws.id, agent.id);

    const usage = { model: "gpt-4o", input_tokens: 1000, output_tokens: 100, cost_usd: 0.0035, run_id: viaApi.runId };
    const post = () =>
      fetch(`${app.url}/api/agent/tasks/${viaApi.id}/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        body: JSON.stringify(usage),
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(200);
    const body = JSON.stringify({
      task_id: viaWebhook.id,
      summary: "done",
      usage: { model: "claude", input_tokens: 10, output_tokens: 20, cache_read_tokens: 5 },
    });
    const hook = await fetch(`${app.url}/api/webhooks/agent-completion`, { method: "POST", headers: signWebhook(body, { deliveryId: "lf-1" }), body });
    expect(hook.status).toBe(202);
    await recordUsage(app.db, viaGateway.id, {
      source: "gateway",
      dedupeKey: viaGateway.runId,
      runId: viaGateway.runId,
      usage: { model: "stub", input_tokens: 7, output_tokens: 3 },
    });

    await waitFor("three ledger rows", async () => (await pending()) === 3);
    await waitFor("a first, failed attempt", () => langfuse.requests.length > 0);
    expect(await pending()).toBe(3);
    langfuse.setMode("ok");
    await waitFor("the export", async () => (await pending()) === 0);

    const ledger = await query<{
      id: string;
      task_id: string;
      input_tokens: string;
      output_tokens: string;
      cache_read_tokens: string;
      cost_usd: string | null;
    }>(app.db, "select id, task_id, input_tokens, output_tokens, cache_read_tokens, cost_usd from usage_records order by created_at");
    const accepted = langfuse.accepted();
    expect(accepted.map((g) => g.body.id).sort()).toEqual(ledger.map((r) => r.id).sort());
    for (const row of ledger) {
      const generation = accepted.find((g) => g.body.id === row.id)!;
      expect(generation.body.traceId).toBe(`mc-task-${row.task_id}`);
      expect(generation.body.usageDetails).toMatchObject({
        input: Number(row.input_tokens),
        output: Number(row.output_tokens),
        cache_read: Number(row.cache_read_tokens),
      });
      expect(generation.body.costDetails).toEqual(row.cost_usd === null ? undefined : { total: Number(row.cost_usd) });
    }
    expect(langfuse.requests.every((r) => r.auth === `Basic ${Buffer.from("pk-lf-test:sk-lf-test").toString("base64")}`)).toBe(true);
  });

  it("answers requests while Langfuse is slow, and exports once it answers", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Patient" });
    const task = await createRunningTask(app.db, ws.id, agent.id);
    langfuse.setMode("hold");
    const record = (run: string) =>
      fetch(`${app.url}/api/agent/tasks/${task.id}/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", input_tokens: 1, output_tokens: 1, run_id: run }),
      });
    expect((await record("slow-1")).status).toBe(201);
    await waitFor("an export held by Langfuse", () => langfuse.held.length > 0);
    // The export is stuck waiting on Langfuse; the API still answers.
    expect((await record("slow-2")).status).toBe(201);
    expect(langfuse.held.length).toBeGreaterThan(0);
    langfuse.setMode("ok");
    for (const release of langfuse.held.splice(0)) release();
    await waitFor("both exported", async () => (await pending()) === 0);
  });
});
