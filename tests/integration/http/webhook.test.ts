import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createRunningTask, createWorkspace, moveRunningTask, query, taskRow } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { signWebhook } from "#tests/support/http-client";
import { type RunningServer, startServer } from "#tests/support/server";
import { completeTask } from "#app/db/completion.server";
import { useTestServer } from "#tests/support/test-server";

// POST /api/webhooks/agent-completion: timestamped HMAC (over the delivery id
// too when one is sent), ±300 s, replay protection by signed delivery id and
// by content, 413/400/404/409 before any effect, legacy header only when
// allowed — on two servers, one with the legacy switch on.
describe("completion webhook", () => {
  const app = useTestServer();
  /** A second instance on the same database, with the legacy signature allowed. */
  let legacy: RunningServer;
  let ws: { id: string };
  let agent: { id: string; token: string };

  const send = (target: RunningServer, body: string, headers: Record<string, string>) =>
    fetch(`${target.url}/api/webhooks/agent-completion`, { method: "POST", body, headers });
  const running = () => createRunningTask(app.db, ws.id, agent.id);
  const error = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  beforeAll(async () => {
    legacy = await startServer({ env: { DATABASE_URL: app.pg.url, ...SECRETS, WEBHOOK_ALLOW_LEGACY: "1" } });
    ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Hooked" });
  });

  afterAll(async () => {
    await legacy?.stop();
  });

  it("accepts a signed completion: 202, task to testing, agent to standby, usage recorded", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "Wrote the report", usage: { model: "m", input_tokens: 10, output_tokens: 20, cost_usd: 0.5 } });
    const res = await send(app.server, body, signWebhook(body, { deliveryId: `d-${randomUUID()}` }));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: true, task_id: task.id, status: "testing", changed: true });
    const row = await taskRow(app.db, task.id);
    expect(row.status).toBe("testing");
    expect(Number(row.token_usage)).toBe(30);
    const [a] = await query<{ status: string }>(app.db, "select status from agents where id = $1", [agent.id]);
    expect(a!.status).toBe("standby");
    const [activity] = await query<{ message: string }>(app.db, "select message from task_activities where task_id = $1 and type = 'completed'", [task.id]);
    expect(activity!.message).toBe("Wrote the report");
  });

  it("finds the task by session key with a TASK_COMPLETE message", async () => {
    const task = await running();
    const body = JSON.stringify({ session_key: task.sessionKey, message: "TASK_COMPLETE: shipped it" });
    const res = await send(app.server, body, signWebhook(body));
    expect(res.status).toBe(202);
    expect((await taskRow(app.db, task.id)).status).toBe("testing");
  });

  it("answers a replayed delivery id with {duplicate: true} and changes nothing", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "once", usage: { model: "m", input_tokens: 5, output_tokens: 5 } });
    const headers = signWebhook(body, { deliveryId: `replay-${randomUUID()}` });
    expect((await send(app.server, body, headers)).status).toBe(202);
    const again = await send(legacy, body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    expect(Number((await taskRow(app.db, task.id)).token_usage)).toBe(10);
    const completions = await query(app.db, "select 1 from task_activities where task_id = $1 and type = 'completed'", [task.id]);
    expect(completions).toHaveLength(1);
  });

  // One delivery of $1.50 once became four ledger rows ($6.00) inside the
  // window: the same body replayed with a new, a changed or no delivery id.
  it("records one delivery once, however it is replayed or retried inside the window", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "Billed once", usage: { model: "m", input_tokens: 100, output_tokens: 50, cost_usd: 1.5 } });
    const original = signWebhook(body, { deliveryId: `d-${randomUUID()}` });
    expect((await send(app.server, body, original)).status).toBe(202);
    // A replay as captured is a duplicate.
    const replay = await send(app.server, body, original);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ duplicate: true });
    // The id is signed: changing or dropping it breaks the signature.
    const withoutId = { "content-type": "application/json", "x-mc-timestamp": original["x-mc-timestamp"], "x-mc-signature": original["x-mc-signature"] };
    for (const headers of [{ ...original, "x-mc-delivery-id": `d-${randomUUID()}` }, withoutId]) {
      const res = await send(app.server, body, headers);
      expect(res.status).toBe(401);
      expect((await error(res)).code).toBe("unauthorized");
    }
    // A sender's retry (new timestamp; no id, or a new signed one) is the same delivery.
    const later = Math.floor(Date.now() / 1000) + 5;
    for (const headers of [signWebhook(body, { timestamp: later }), signWebhook(body, { timestamp: later, deliveryId: `d-${randomUUID()}` })]) {
      const res = await send(app.server, body, headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ duplicate: true });
    }
    const rows = await query<{ cost: string }>(app.db, "select cost_usd::text as cost from usage_records where task_id = $1", [task.id]);
    expect(rows).toEqual([{ cost: "1.500000" }]);
    expect(Number((await taskRow(app.db, task.id)).estimated_cost)).toBe(1.5);
    expect(await query(app.db, "select 1 from task_activities where task_id = $1 and type = 'completed'", [task.id])).toHaveLength(1);
  });

  it("still takes an id sent outside the signature (the earlier contract), but knows the delivery by its content", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "old sender", usage: { model: "m", input_tokens: 10, output_tokens: 10, cost_usd: 0.25 } });
    const first = await send(app.server, body, signWebhook(body, { deliveryId: "old-1", unsignedDeliveryId: true }));
    expect(first.status).toBe(202);
    const other = await send(app.server, body, signWebhook(body, { deliveryId: "old-2", unsignedDeliveryId: true }));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ duplicate: true });
    expect(await query(app.db, "select 1 from usage_records where task_id = $1", [task.id])).toHaveLength(1);
    expect(app.server.logs.filter((l) => l.event === "webhook.delivery_id_unsigned" && l.level === "warn")).not.toHaveLength(0);
  });

  it("counts one usage figure per run even from different deliveries", async () => {
    const task = await running();
    const report = (summary: string, cost: number) =>
      JSON.stringify({ task_id: task.id, summary, usage: { model: "m", input_tokens: 100, output_tokens: 50, cost_usd: cost } });
    const first = report("first", 0.5);
    expect((await send(app.server, first, signWebhook(first, { deliveryId: `d-${randomUUID()}` }))).status).toBe(202);
    const second = report("second, with more", 2);
    const res = await send(app.server, second, signWebhook(second, { deliveryId: `d-${randomUUID()}` }));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ changed: false });
    const row = await taskRow(app.db, task.id);
    expect({ tokens: Number(row.token_usage), cost: Number(row.estimated_cost) }).toEqual({ tokens: 150, cost: 0.5 });
    expect(await query(app.db, "select source, reason from usage_claims where task_id = $1", [task.id])).toEqual([
      { source: "webhook", reason: "run_counted" },
    ]);
  });

  it("refuses a completion for a done or cancelled task with 409 and records nothing", async () => {
    for (const status of ["done", "cancelled"] as const) {
      const task = await running();
      await moveRunningTask(app.db, task.id, status);
      const body = JSON.stringify({ task_id: task.id, summary: "too late", usage: { model: "m", input_tokens: 1, output_tokens: 1 } });
      const res = await send(app.server, body, signWebhook(body, { deliveryId: `d-${randomUUID()}` }));
      expect(res.status).toBe(409);
      expect(await error(res)).toMatchObject({ code: "conflict", message: `The task is ${status}: it takes no more completion reports from its agent.` });
      expect(
        await query(app.db, "select 1 from usage_records where task_id = $1 union all select 1 from webhook_deliveries where task_id = $1", [task.id]),
      ).toEqual([]);
    }
  });

  it("is a no-op for a task that another path already completed", async () => {
    const task = await running();
    await completeTask(app.db, task.id, { source: "gateway", summary: "first", runId: task.runId, actor: { type: "system", name: "gw" } });
    const body = JSON.stringify({ task_id: task.id, summary: "second" });
    const res = await send(app.server, body, signWebhook(body));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ changed: false, status: "testing" });
    expect(await query(app.db, "select 1 from task_activities where task_id = $1 and type = 'completed'", [task.id])).toHaveLength(1);
  });

  it("refuses unsigned, wrongly signed, stale and future requests with 401", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "x" });
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<Record<string, string>> = [
      { "content-type": "application/json" },
      signWebhook(body, { secret: "not-the-secret-at-all-not-the-secret" }),
      // Well outside ±300 s, so the second or two the test takes cannot bring them inside.
      signWebhook(body, { timestamp: now - 330 }),
      signWebhook(body, { timestamp: now + 330 }),
      { ...signWebhook(body), "x-mc-signature": "sha256=zz" },
      { ...signWebhook(body), "x-mc-timestamp": "yesterday" },
      signWebhook(body.replace("x", "y")),
    ];
    for (const headers of cases) {
      const res = await send(app.server, body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect((await error(res)).code).toBe("unauthorized");
    }
    expect((await taskRow(app.db, task.id)).status).toBe("in_progress");
  });

  it("checks size (413), JSON (400), shape (400) and existence (404)", async () => {
    const big = JSON.stringify({ task_id: randomUUID(), summary: "x".repeat(300 * 1024) });
    expect((await send(app.server, big, signWebhook(big))).status).toBe(413);
    const broken = '{"task_id": ';
    expect((await send(app.server, broken, signWebhook(broken))).status).toBe(400);
    const unknownKey = JSON.stringify({ task_id: randomUUID(), summary: "x", updated_by_agent_id: randomUUID() });
    expect((await send(app.server, unknownKey, signWebhook(unknownKey))).status).toBe(400);
    const wrongMessage = JSON.stringify({ session_key: "agent:main:mc-task-x", message: "done!" });
    expect((await send(app.server, wrongMessage, signWebhook(wrongMessage))).status).toBe(400);
    const missing = JSON.stringify({ task_id: randomUUID(), summary: "x" });
    const res = await send(app.server, missing, signWebhook(missing));
    expect(res.status).toBe(404);
    expect((await error(res)).code).toBe("not_found");
    const noSession = JSON.stringify({ session_key: "agent:main:mc-task-none", message: "TASK_COMPLETE: x" });
    expect((await send(app.server, noSession, signWebhook(noSession))).status).toBe(404);
    expect((await send(app.server, missing, { ...signWebhook(missing), "x-mc-delivery-id": "bad id!" })).status).toBe(400);
  });

  it("accepts the legacy header only when WEBHOOK_ALLOW_LEGACY=1", async () => {
    const task = await running();
    const body = JSON.stringify({ task_id: task.id, summary: "legacy" });
    const legacySignature = createHmac("sha256", SECRETS.WEBHOOK_SECRET).update(body).digest("hex");
    const headers = { "content-type": "application/json", "x-webhook-signature": legacySignature };
    expect((await send(app.server, body, headers)).status).toBe(401);
    expect((await send(legacy, body, { ...headers, "x-webhook-signature": "0".repeat(64) })).status).toBe(401);
    expect((await send(legacy, body, headers)).status).toBe(202);
    expect((await taskRow(app.db, task.id)).status).toBe("testing");
    // No timestamp, so no window: a replay is known by its content.
    const replay = await send(legacy, body, { ...headers, "x-mc-delivery-id": "any-id" });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ duplicate: true });
  });

  it("answers 405 to GET", async () => {
    const res = await fetch(`${app.url}/api/webhooks/agent-completion`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
