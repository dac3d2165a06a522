import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { E2E_CHROMIUM_FLAGS } from "#app/services/orchestration/checks/chromium-flags";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { type StubToolCall, stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";
import { type Receiver, startReceiver } from "#tests/support/receiver";

// Exec approvals under Mission Control's policy (decision 043), against the
// real OpenClaw gateway configured to ask its approval clients before every
// command (security allowlist, ask always). The stub model's scripted turn
// calls the gateway's `exec` tool; whether the command ran is read off the
// file system (each command touches a marker file), and what the agent was
// told off the stub's next request.

const stub = stubControl(inject("stubUrl"));

interface ExecRow {
  id: string;
  gate: string;
  gate_by: string;
  decision: string | null;
  decision_reason: string | null;
  approval_id: string | null;
  resolved_at: string | null;
  resolve_error: string | null;
  gateway_expires_at: string;
  digest: string;
  command: string;
}

describe("exec approvals with a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let admin: FormClient;
  let ws: { id: string; slug: string };
  let otlp: Receiver;
  let markers: string;

  beforeAll(async () => {
    otlp = await startReceiver();
    app = await startGatewayApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: "mc-exec-test" } });
    ({ db, admin, ws } = app);
    markers = mkdtempSync(path.join(os.tmpdir(), "mc-exec-"));
    // High risk without a dispatch gate, so the heartbeat dispatches it and the command is what waits.
    await query(
      db,
      "insert into task_types (key, name, risk, default_autonomy, gated_actions) values ('exec_high', 'Exec high risk', 'high', 'hitl', '{agent_action}')",
    );
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await app?.stop();
    await otlp?.close();
    if (markers) rmSync(markers, { recursive: true, force: true });
  });

  const typeId = async (key: string) => (await query<{ id: string }>(db, "select id from task_types where key = $1", [key]))[0]!.id;
  const marker = (name: string) => path.join(markers, `${name}-${randomBytes(3).toString("hex")}`);
  const touch = (file: string): StubToolCall => ({ name: "exec", arguments: { command: `touch ${file}` } });

  /** An agent of the given autonomy with a task of the given type whose turn runs `calls`, dispatched by the heartbeat. */
  async function run(opts: { type: string; autonomy: string; calls: StubToolCall[] }) {
    const agent = await createAgentWithToken(db, ws.id, { name: `Runner ${randomBytes(2).toString("hex")}` });
    await query(db, "update agents set autonomy_level = $1 where id = $2", [opts.autonomy, agent.id]);
    const title = `Exec job ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: commands done", toolCall: opts.calls }]);
    const task = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id, task_type_id: await typeId(opts.type) });
    const receipt = await app.heartbeat();
    expect(receipt.actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    return { task, title, agent };
  }
  const execRows = (taskId: string) => query<ExecRow>(db, "select * from exec_requests where task_id = $1 order by created_at", [taskId]);
  const nthRequest = (taskId: string, n: number) => until(`exec request ${n + 1} of the task`, async () => (await execRows(taskId))[n]);
  const resolved = (id: string) =>
    until(
      "the gateway to take the decision",
      async () => (await query<ExecRow>(db, "select * from exec_requests where id = $1 and (resolved_at is not null or resolve_error is not null)", [id]))[0],
    );
  const toolResultsOf = (title: string) =>
    until(
      `the model to see a tool result for ${title}`,
      async () => (await stub.requests()).find((r) => r.userText.includes(title) && r.toolResults.length > 0)?.toolResults,
    );
  const approvalDigest = async (approvalId: string) =>
    (await query<{ digest: string }>(db, "select digest from approvals where id = $1", [approvalId]))[0]!.digest;
  const decide = async (approvalId: string, intent: "approve" | "deny" | "approve_grant") => {
    await admin.get("/approvals");
    return admin.post("/approvals", { intent, approval_id: approvalId, digest: await approvalDigest(approvalId) });
  };

  it("runs an allowlisted command of an autonomous agent on low-risk work without a human", async () => {
    await query(db, "update task_types set exec_allowlist = '{touch *}' where key = 'research'");
    const file = marker("auto");
    const { task, title } = await run({ type: "research", autonomy: "autonomous", calls: [touch(file)] });
    const row = await nthRequest(task.id, 0);
    expect(row).toMatchObject({ gate: "allow", gate_by: "autonomous_allowlist", decision: "allow-once", approval_id: null, command: `touch ${file}` });
    await resolved(row.id);
    await toolResultsOf(title);
    expect(existsSync(file)).toBe(true);
    const audit = await query<{ kind: string }>(db, "select kind from audit_log where subject->>'exec_request_id' = $1 order by seq", [row.id]);
    expect(audit.map((a) => a.kind)).toEqual(["exec.requested", "exec.resolved"]);
    const activity = await query<{ type: string; message: string }>(db, "select type, message from task_activities where task_id = $1 and type like 'exec_%'", [
      task.id,
    ]);
    expect(activity).toEqual([{ type: "exec_allowed", message: expect.stringContaining(`touch ${file}`) }]);
  });

  it("holds a high-risk command for an approver, shows it on the inbox and the task page, and runs it once when approved", async () => {
    const file = marker("approved");
    const { task, title } = await run({ type: "exec_high", autonomy: "autonomous", calls: [touch(file)] });
    const row = await nthRequest(task.id, 0);
    expect(row).toMatchObject({ gate: "hitl", gate_by: "high_risk", decision: null });
    expect(row.approval_id).toBeTruthy();
    await admin.get("/approvals");
    expect(admin.lastHtml).toContain(`touch ${file}`);
    await admin.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(admin.lastHtml).toContain(`touch ${file}`);
    await admin.get(`/w/${ws.slug}`);
    expect(admin.lastHtml).toContain(`data-needs-you="${task.id}"`);
    expect(existsSync(file)).toBe(false);

    const res = await decide(row.approval_id!, "approve");
    expect(res.status).toBe(302);
    const done = await resolved(row.id);
    expect(done).toMatchObject({ decision: "allow-once", resolve_error: null });
    expect(done.decision_reason).toBe("Approved by Test Admin");
    expect(await toolResultsOf(title)).toHaveLength(1);
    expect(existsSync(file)).toBe(true);
    expect(await execRows(task.id)).toHaveLength(1);
    // The transcript shows the decision beside the tool call it held.
    await admin.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(admin.lastHtml).toMatch(new RegExp(`data-testid="transcript-exec-decision" data-exec-decision="${row.id}"`));
  });

  it("never runs a denied command, and the agent sees the denial and its reason", async () => {
    const file = marker("denied");
    const { task, title } = await run({ type: "exec_high", autonomy: "hitl", calls: [touch(file)] });
    const row = await nthRequest(task.id, 0);
    await decide(row.approval_id!, "deny");
    await resolved(row.id);
    const results = await toolResultsOf(title);
    expect(results[0]).toMatch(/denied/i);
    await stub.waitForRequest((r) => r.userText.includes("Mission Control denied the command") && r.userText.includes("Denied by Test Admin"));
    expect(existsSync(file)).toBe(false);
  });

  it("lets an agent never decide its own request", async () => {
    const file = marker("self");
    const { task, agent } = await run({ type: "exec_high", autonomy: "hitl", calls: [touch(file)] });
    const row = await nthRequest(task.id, 0);
    const digest = await approvalDigest(row.approval_id!);
    const attempt = await fetch(`${app.server.url}/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "approve", approval_id: row.approval_id!, digest }),
      redirect: "manual",
    });
    expect(attempt.status).toBeGreaterThanOrEqual(300);
    expect((await query<{ status: string }>(db, "select status from approvals where id = $1", [row.approval_id]))[0]!.status).toBe("pending");
    await decide(row.approval_id!, "deny");
    await resolved(row.id);
    expect(existsSync(file)).toBe(false);
  });

  it("allows the same command again on a standing grant, and asks again for a changed one", async () => {
    const first = marker("grant");
    const changed = marker("changed");
    const { task } = await run({ type: "research", autonomy: "hitl", calls: [touch(first), touch(first), touch(changed)] });
    const one = await nthRequest(task.id, 0);
    expect(one).toMatchObject({ gate: "hitl", gate_by: "hitl" });
    expect((await decide(one.approval_id!, "approve_grant")).status).toBe(302);
    await resolved(one.id);

    const again = await nthRequest(task.id, 1);
    expect(again).toMatchObject({ gate: "allow", gate_by: "standing_grant", approval_id: null, digest: one.digest });
    await resolved(again.id);

    const other = await nthRequest(task.id, 2);
    expect(other).toMatchObject({ gate: "hitl", gate_by: "hitl", decision: null });
    expect(other.digest).not.toBe(one.digest);
    expect(existsSync(changed)).toBe(false);
    await decide(other.approval_id!, "deny");
    await resolved(other.id);
    expect(existsSync(first)).toBe(true);
    expect(existsSync(changed)).toBe(false);
  });

  it("denies a request nobody decided before its deadline, ahead of the gateway's own timeout", async () => {
    const file = marker("expired");
    const { task, title } = await run({ type: "exec_high", autonomy: "hitl", calls: [touch(file)] });
    const row = await nthRequest(task.id, 0);
    const approval = (await query<{ expires_at: string }>(db, "select expires_at from approvals where id = $1", [row.approval_id]))[0]!;
    // The deadline sits before the gateway's expiry; the test moves it to now instead of waiting.
    expect(Date.parse(approval.expires_at)).toBeLessThan(Date.parse(row.gateway_expires_at));
    await query(db, "update approvals set expires_at = now() where id = $1", [row.approval_id]);
    await app.heartbeat();
    const done = await resolved(row.id);
    expect(done).toMatchObject({ decision: "deny", resolve_error: null });
    expect(Date.parse(done.resolved_at!)).toBeLessThan(Date.parse(row.gateway_expires_at));
    expect((await toolResultsOf(title))[0]).toMatch(/denied/i);
    await stub.waitForRequest((r) => r.userText.includes("nobody approved it before the approval expired"));
    expect(existsSync(file)).toBe(false);
  });

  it("runs a supervised command after its veto window, and never one that was vetoed", async () => {
    const passed = marker("window");
    const first = await run({ type: "code_change", autonomy: "autonomous", calls: [touch(passed)] });
    const row = await nthRequest(first.task.id, 0);
    expect(row).toMatchObject({ gate: "hotl", gate_by: "hotl" });
    await query(db, "update approvals set veto_until = now() where id = $1", [row.approval_id]);
    await app.heartbeat();
    expect(await resolved(row.id)).toMatchObject({ decision: "allow-once", decision_reason: "Allowed: nobody vetoed it within the window" });
    await toolResultsOf(first.title);
    expect(existsSync(passed)).toBe(true);

    const vetoed = marker("vetoed");
    const second = await run({ type: "code_change", autonomy: "autonomous", calls: [touch(vetoed)] });
    const held = await nthRequest(second.task.id, 0);
    await decide(held.approval_id!, "deny");
    await resolved(held.id);
    await toolResultsOf(second.title);
    expect(existsSync(vetoed)).toBe(false);
  });

  it("an approver approves a command from the inbox in Chromium, with JavaScript on and off, on a desktop and a phone", async () => {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: E2E_CHROMIUM_FLAGS });
    try {
      for (const javaScriptEnabled of [true, false]) {
        for (const viewport of [
          { width: 1440, height: 900 },
          { width: 390, height: 844 },
        ]) {
          const file = marker(`browser-${javaScriptEnabled ? "js" : "nojs"}-${viewport.width}`);
          const { task, title } = await run({ type: "exec_high", autonomy: "hitl", calls: [touch(file)] });
          const row = await nthRequest(task.id, 0);
          const context = await browser.newContext({ javaScriptEnabled, viewport, baseURL: app.server.url });
          await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url: app.server.url })));
          const page = await context.newPage();
          const problems: string[] = [];
          page.on("console", (m) => {
            if (m.type() === "error") problems.push(m.text());
          });
          await page.goto("/approvals");
          const card = page.locator(`[data-approval-id="${row.approval_id}"]`);
          await expect.poll(() => card.innerText()).toContain(`touch ${file}`);
          expect(await card.innerText()).toContain(`Run a command: touch ${file}`);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
          await page.screenshot({ path: `test-results/exec-approval-${javaScriptEnabled ? "js" : "nojs"}-${viewport.width}.png`, fullPage: true });
          await card.getByRole("button", { name: "Approve", exact: true }).click();
          await expect.poll(async () => (await page.locator("[role=status]").allInnerTexts()).join(" ")).toContain("Approved.");
          await resolved(row.id);
          await toolResultsOf(title);
          expect(existsSync(file)).toBe(true);
          await page.goto(`/w/${ws.slug}/tasks/${task.id}`);
          const command = page.locator(`[data-exec-request-id="${row.id}"]`);
          expect(await command.innerText()).toContain("allowed");
          expect(await command.innerText()).toContain("Approved by Test Admin");
          expect(problems).toEqual([]);
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
  });

  it("traces dispatches, gateway calls, exec decisions and aborts", async () => {
    // A run to abort: its model turn is held open until the cancel cuts it.
    const agent = await createAgentWithToken(db, ws.id, { name: `Held ${randomBytes(2).toString("hex")}` });
    const title = `Held job ${randomBytes(3).toString("hex")}`;
    await stub.setRules([{ contains: title, reply: "TASK_COMPLETE: too late", delayMs: 60_000 }]);
    const held = await createTask(db, ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    await app.heartbeat();
    await stub.waitForRequest((r) => r.userText.includes(title));
    await admin.get(`/w/${ws.slug}/tasks/${held.id}`);
    expect((await admin.post(`/w/${ws.slug}/tasks/${held.id}`, { intent: "move", status: "cancelled" })).status).toBe(302);

    const spans = () =>
      otlp.received.flatMap((r) => {
        try {
          const body = JSON.parse(r.body) as {
            resourceSpans: Array<{
              scopeSpans: Array<{ spans: Array<{ name: string; attributes?: Array<{ key: string; value: Record<string, unknown> }> }> }>;
            }>;
          };
          return body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
        } catch {
          return [];
        }
      });
    const names = await until("exported spans", async () => {
      const all = new Set(spans().map((s) => s.name));
      return ["dispatch", "gateway agent", "exec.approval.decide", "exec.approval.resolve", "gateway exec.approval.resolve"].every((n) => all.has(n))
        ? all
        : null;
    });
    expect(names.has("heartbeat.run")).toBe(true);
    const decide = spans().find(
      (s) => s.name === "exec.approval.decide" && s.attributes?.some((a) => a.key === "mc.exec.gate" && a.value.stringValue === "hitl"),
    );
    expect(decide).toBeDefined();
  });
});
