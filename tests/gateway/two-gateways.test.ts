import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createGateway, type Gateway } from "#app/services/agent-plane/gateway.server";
import { createAgentWithToken, createTask, query, taskRow } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { memoryLogger, waitForStatus } from "#tests/support/openclaw/harness";
import { startOpenClaw, type OpenClawGateway } from "#tests/support/openclaw/gateway";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// Several gateways (decision 052) against TWO real OpenClaw gateways: the
// suite's own as the default one (OPENCLAW_GATEWAY_URL), and a second started
// here and registered through the admin page. An agent on each; tasks
// dispatched to both run on their own agent's gateway (its session is in
// that gateway's transcripts, not the other's). Then the second gateway is
// stopped: the heartbeat still dispatches and completes on the first without
// waiting on the dead one, the second's task waits with its attempts unspent,
// and health shows one gateway down and one up.

interface Health {
  status: string;
  gateway: string;
  gateways: Array<{ id: string; name: string; default: boolean; status: string }>;
}

describe("two OpenClaw gateways", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let second: OpenClawGateway;
  /** Our own read-only clients of each gateway, to see where a session landed. */
  let readers: Array<{ gateway: Gateway; dir: string }> = [];
  let secondId: string;
  let onFirst: { id: string };
  let onSecond: { id: string };

  beforeAll(async () => {
    const [started, gatewayApp] = await Promise.all([startOpenClaw({ modelBaseUrl: inject("stubUrl") }), startGatewayApp()]);
    second = started;
    app = gatewayApp;
    ({ db, admin, ws } = app);
    readers = [
      { url: inject("gatewayUrl"), token: inject("gatewayToken") },
      { url: second.url, token: second.token },
    ].map(({ url, token }) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "mc-two-gw-"));
      const gateway = createGateway({ url, token, dataDir: dir, log: memoryLogger().log });
      gateway.start();
      return { gateway, dir };
    });
    await Promise.all(readers.map((r) => waitForStatus(r.gateway, "connected")));
  }, 180_000);

  afterAll(async () => {
    for (const r of readers) {
      await r.gateway.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
    await app?.stop();
    await second?.stop();
  }, 120_000);

  const health = async () => (await (await fetch(`${app.server.url}/api/health`)).json()) as Health;
  const statusOf = async (id: string) => String((await taskRow(db, id)).status);
  /** Whether the gateway holds a transcript of the task's session that mentions its title. */
  const sessionOn = async (gateway: Gateway, taskId: string, title: string) => {
    try {
      const payload = await gateway.transcript(`agent:main:mc-task-${taskId}`, { limit: 50, offset: 0 });
      return JSON.stringify(payload).includes(title);
    } catch {
      return false;
    }
  };

  it("registers the second gateway on the admin page; health shows both connected", async () => {
    await admin.get("/admin/gateways");
    const res = await admin.post("/admin/gateways", { intent: "create", name: "Second", url: second.url, token: second.token });
    expect(res.status).toBe(302);
    [{ id: secondId }] = (await query<{ id: string }>(db, "select id from gateways where name = 'Second'")) as [{ id: string }];
    const h = await until("both gateways connected", async () => {
      const now = await health();
      return now.gateways.length === 2 && now.gateways.every((g) => g.status === "connected") ? now : null;
    });
    expect(h).toMatchObject({ status: "ok", gateway: "connected" });
    expect(h.gateways).toEqual([
      { id: "default", name: "Default", default: true, status: "connected" },
      { id: secondId, name: "Second", default: false, status: "connected" },
    ]);
    onFirst = await createAgentWithToken(db, ws.id, { name: "First runner" });
    onSecond = await createAgentWithToken(db, ws.id, { name: "Second runner", gateway_id: secondId });
  });

  it("dispatches each agent's task to its own gateway, and both complete", { timeout: 300_000 }, async () => {
    const tag = randomBytes(3).toString("hex");
    const titles = { a: `On the first ${tag}`, b: `On the second ${tag}` };
    const a = await createTask(db, ws.id, { title: titles.a, status: "assigned", assigned_agent_id: onFirst.id });
    const b = await createTask(db, ws.id, { title: titles.b, status: "assigned", assigned_agent_id: onSecond.id });
    const receipt = await app.heartbeat();
    expect(receipt.actions).toContainEqual({ task_id: a.id, action: "dispatched", reason: null, ok: true });
    expect(receipt.actions).toContainEqual({ task_id: b.id, action: "dispatched", reason: null, ok: true });
    // A cold gateway's first turn is slow on a busy machine: each task gets its own two minutes.
    for (const t of [a, b]) {
      const done = await until(`${t.id} to complete`, async () => (await statusOf(t.id)) === "testing", 120_000).catch(async () => null);
      if (!done) {
        const facts = await query(db, "select status, alert_reason, last_dispatch_error, current_run_id from tasks where id = $1", [t.id]);
        const log = await query(db, "select type, message from task_activities where task_id = $1 order by created_at", [t.id]);
        expect.fail(`task ${t.id} did not complete: ${JSON.stringify({ facts, log })}`);
      }
    }

    const [first, other] = readers.map((r) => r.gateway) as [Gateway, Gateway];
    // A busy gateway can be slow to answer a transcript read: the session that must be there is asked again until it answers.
    await until("task a's session on the first gateway", () => sessionOn(first, a.id, titles.a), 60_000);
    await until("task b's session on the second gateway", () => sessionOn(other, b.id, titles.b), 60_000);
    expect(await sessionOn(other, a.id, titles.a)).toBe(false);
    expect(await sessionOn(first, b.id, titles.b)).toBe(false);
    // Each run's usage came from the gateway it ran on.
    const usage = await until("usage from both gateways", async () => {
      const rows = await query<{ task_id: string }>(db, "select task_id from usage_records where source = 'gateway' and task_id = any($1::uuid[])", [
        [a.id, b.id],
      ]);
      return rows.length === 2 ? rows : null;
    });
    expect(usage.map((r) => r.task_id).sort()).toEqual([a.id, b.id].sort());
  });

  it("keeps dispatching on the first gateway while the second is down; health shows one down, one up", async () => {
    await second.halt("SIGTERM");
    const h = await until("the second gateway to be seen down", async () => {
      const now = await health();
      return now.gateways.find((g) => g.id === secondId)?.status === "disconnected" ? now : null;
    });
    expect(h).toMatchObject({ status: "degraded", gateway: "disconnected" });
    expect(h.gateways.find((g) => g.default)?.status).toBe("connected");

    const tag = randomBytes(3).toString("hex");
    const waiting = await createTask(db, ws.id, { title: `Waits for the second ${tag}`, status: "assigned", assigned_agent_id: onSecond.id });
    const going = await createTask(db, ws.id, { title: `Goes on the first ${tag}`, status: "assigned", assigned_agent_id: onFirst.id });
    const t0 = Date.now();
    const receipt = await app.heartbeat();
    // Nothing waited on the dead gateway's timeouts.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(receipt.actions).toContainEqual({ task_id: going.id, action: "dispatched", reason: null, ok: true });
    expect(receipt.actions.filter((x) => x.task_id === waiting.id)).toEqual([]);
    await until("the first gateway's task to complete", async () => (await statusOf(going.id)) === "testing");
    const row = await taskRow(db, waiting.id);
    expect([String(row.status), Number(row.dispatch_attempts)]).toEqual(["assigned", 0]);

    // The task page's button says why, naming the agent's gateway.
    await admin.get(`/w/${ws.slug}/tasks/${waiting.id}`);
    const refused = await admin.post(`/w/${ws.slug}/tasks/${waiting.id}`, { intent: "dispatch" });
    expect(refused.status).toBe(503);
    expect(admin.lastHtml).toContain("OpenClaw gateway is not connected; the task stays assigned");

    // The heartbeat page lists each gateway.
    await admin.get("/heartbeat");
    expect(admin.lastHtml).toMatch(/data-gateway="Second"[^]*?disconnected/);
    expect(admin.lastHtml).toMatch(/data-gateway="Default"[^]*?connected/);
  });
});
