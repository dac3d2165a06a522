import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// The agent page against the real OpenClaw gateway: it says the gateway knows
// the agent, shows the gateway's own configuration of it (model, workspace,
// tool and exec settings) as text with secrets redacted, and what it runs now.

const stub = stubControl(inject("stubUrl"));
const HOLD_MS = 90_000;

const text = (html: string) =>
  html
    .replace(/<!--.*?-->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

describe("the agent page with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string };

  beforeAll(async () => {
    app = await startGatewayApp();
    ({ db, admin, ws } = app);
    // The fixtures name OpenClaw's default agent, "main".
    agent = await createAgentWithToken(db, ws.id, { name: "Main agent" });
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await app?.stop();
  });

  it("says the gateway knows the agent and shows the gateway's configuration of it, redacted", async () => {
    // A loaded machine may keep the gateway past the page's deadline for one read: the page says so, and a reload has it.
    const page = `/w/${ws.slug}/agents/${agent.id}`;
    await until("the page to carry the gateway's configuration", async () => {
      expect((await admin.get(page)).status).toBe(200);
      return admin.lastHtml.includes('data-testid="agent-config"') && admin.lastHtml.includes('data-testid="gateway-fact-exec-approvals"');
    });
    const html = admin.lastHtml;
    const words = text(html);
    expect(html).toContain('data-status="connected"');
    expect(html).toContain('data-known="true"');
    expect(words).toContain("main : known to the gateway (its default agent).");
    // Facts from agents.list and exec.approvals.get.
    expect(html).toMatch(/data-testid="gateway-fact-model">stub\/stub-model</);
    expect(html).toMatch(/data-testid="gateway-fact-workspace">[^<]*workspace/);
    expect(html).toContain('data-testid="gateway-fact-exec-approvals"');
    // The configuration as text: the agent defaults and the tool settings the harness gives the gateway.
    const config = /<pre data-testid="agent-config">([\s\S]*?)<\/pre>/.exec(html)?.[1];
    expect(config).toBeDefined();
    const lines = text(config!);
    expect(lines).toContain('agents.defaults.model.primary = "stub/stub-model"');
    expect(lines).toContain('tools.exec.security = "allowlist"');
    expect(lines).toContain('tools.exec.ask = "always"');
    // Nothing secret reaches the page: not the gateway's token, not its redaction marker.
    expect(html).not.toContain(inject("gatewayToken"));
    expect(html).not.toContain("__OPENCLAW_REDACTED__");
  });

  it("shows the running task and the gateway's active run while a turn is under way", async () => {
    const title = `Watched job ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: too late", delayMs: HOLD_MS }]);
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    expect((await app.heartbeat()).actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    await stub.waitForRequest((r) => r.userText.includes(title), 90_000);

    const page = `/w/${ws.slug}/agents/${agent.id}`;
    await until("the gateway to report the run active", async () => {
      await admin.get(page);
      return /data-testid="gateway-sessions">[^<]*[1-9]\d* runs? active now/.test(admin.lastHtml.replace(/<!--.*?-->/g, ""));
    });
    const words = text(admin.lastHtml);
    expect(admin.lastHtml).toMatch(new RegExp(`data-testid="agent-now"[\\s\\S]*href="/w/${ws.slug}/tasks/${task.id}"`));
    expect(words).toContain(`Now ${title} In progress Running Started`);

    // Cancelling aborts the held turn (decision 035), so nothing is left running.
    await admin.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect((await admin.post(`/w/${ws.slug}/tasks/${task.id}`, { intent: "move", status: "cancelled" })).status).toBe(302);
    await until("the model stream to be cut", async () => (await stub.requests()).find((r) => r.userText.includes(title) && r.cut));
    await admin.get(page);
    expect(text(admin.lastHtml)).toContain("Not running anything.");
  });

  it("says when the gateway does not know the agent id, and which ids it does", async () => {
    const ghost = await createAgentWithToken(db, ws.id, { name: "Ghost", openclaw_agent_id: `ghost-${randomBytes(3).toString("hex")}` });
    expect((await admin.get(`/w/${ws.slug}/agents/${ghost.id}`)).status).toBe(200);
    expect(admin.lastHtml).toContain('data-known="false"');
    const words = text(admin.lastHtml);
    expect(words).toContain("not known to the gateway, so its dispatches fail.");
    expect(words).toMatch(/The gateway lists [^.]*\bmain\b/);
    expect(admin.lastHtml).not.toContain('data-testid="gateway-fact-model"');
  });
});
