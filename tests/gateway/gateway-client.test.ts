import { randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { deviceIdFromPublicKey, taskSessionKey } from "#app/domain/openclaw";
import { createGateway, GatewayUnavailableError } from "#app/services/agent-plane/gateway.server";
import { memoryLogger, sleep, testGateway, waitForRunFinished, waitForStatus, type TestGateway } from "#tests/support/openclaw/harness";
import { stubControl, type StubRequest } from "#tests/support/openclaw/stub-model";

// Contract tests of our gateway service against the real OpenClaw gateway
// (one per test run, see tests/support/openclaw/global-setup.ts) and the stub model.

const stub = stubControl(inject("stubUrl"));
let client: TestGateway;

/** The stub's cost config: USD 1 per 1M input tokens, USD 2 per 1M output tokens. */
function expectedCost(usage: StubRequest["usage"]): number {
  return (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1_000_000;
}

function runtimeSession(request: StubRequest): string | null {
  return /^Runtime: .*\bsession=([^ |]+)/m.exec(request.userText)?.[1] ?? null;
}

beforeAll(async () => {
  client = testGateway();
  await waitForStatus(client.gateway, "connected", 30_000);
});

afterAll(async () => {
  await client?.close();
});

afterEach(async () => {
  await stub.setRules([]);
});

describe("connection", () => {
  it("connects, reports connected and logs it without the token", () => {
    expect(client.gateway.status).toBe("connected");
    expect(client.statuses).toEqual(["connected"]);
    const connected = client.lines.find((l) => l.event === "gateway.connected");
    expect(connected).toMatchObject({ event: "gateway.connected", protocol: 4, url: inject("gatewayUrl") });
    expect(client.raw.join("")).not.toContain(inject("gatewayToken"));
  });

  it("lists the agents, at least main on the stub model", async () => {
    const agents = await client.gateway.listAgents();
    expect(agents).toContainEqual({ id: "main", name: null, model: "stub/stub-model" });
  });

  it("persists the device identity with mode 0600 and reuses it in a second client", async () => {
    const file = path.join(client.dataDir, "gateway-device.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { deviceId: string; publicKeyPem: string; privateKeyPem: string };
    const raw = (await import("node:crypto")).createPublicKey(stored.publicKeyPem).export({ type: "spki", format: "der" }).subarray(-32);
    expect(stored.deviceId).toBe(deviceIdFromPublicKey(raw));

    const second = testGateway({ dataDir: client.dataDir });
    try {
      await waitForStatus(second.gateway, "connected", 30_000);
      expect(await second.gateway.listAgents()).toContainEqual(expect.objectContaining({ id: "main" }));
      // Same file, same key: nothing was regenerated.
      expect(readFileSync(file, "utf8")).toBe(JSON.stringify(stored, null, 2) + "\n");
    } finally {
      await second.close({ keepDataDir: true });
    }
  });
});

describe("runs", () => {
  it("starts a run on exactly the task's session, reports its end once, and waitRun agrees", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    const marker = `task-${taskId}`;
    const reply = `TASK_COMPLETE: finished ${marker}`;
    const message = `Please do ${marker}.\nMC-REPLY: ${reply}`;
    const finished = waitForRunFinished(client.gateway, (e) => e.sessionKey === sessionKey);

    const started = Date.now();
    const run = await client.gateway.startRun({ agentId: "main", sessionKey, message, idempotencyKey: `dispatch-${taskId}` });
    expect(run.sessionKey).toBe(sessionKey);
    // Measured: the gateway uses the idempotency key as the run id.
    expect(run.runId).toBe(`dispatch-${taskId}`);

    const request = await stub.waitForRequest((r) => r.userText.includes(marker));
    expect(request.model).toBe("stub-model");
    expect(request.userText).toContain(`Please do ${marker}.`);
    expect(runtimeSession(request)).toBe(sessionKey);

    const end = await finished;
    const firstTurnMs = Date.now() - started;
    expect(end).toEqual({ runId: run.runId, sessionKey, status: "ok", text: reply });
    expect(firstTurnMs).toBeLessThan(60_000);

    expect(await client.gateway.waitRun(run.runId, 10_000)).toEqual({ status: "ok", text: reply });
    // lifecycle end and chat final both arrived; the listener heard one.
    await sleep(500);
    expect(client.finished.filter((e) => e.runId === run.runId)).toHaveLength(1);
  });

  it("reads the run's usage and cost from the transcript", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    const run = await client.gateway.startRun({ agentId: "main", sessionKey, message: `Usage ${taskId}\nMC-REPLY: counted`, idempotencyKey: randomUUID() });
    expect((await client.gateway.waitRun(run.runId, 60_000)).status).toBe("ok");
    const request = await stub.waitForRequest((r) => r.userText.includes(`Usage ${taskId}`));

    const usage = await client.gateway.runUsage(sessionKey, run.runId);
    expect(usage).toEqual({
      model: "stub/stub-model",
      input_tokens: request.usage.prompt_tokens,
      output_tokens: request.usage.completion_tokens,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: expect.closeTo(expectedCost(request.usage), 9),
    });
    expect(await client.gateway.runUsage(sessionKey, "no-such-run")).toBeNull();
  });

  it("continues the same session with sendMessage", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    const first = await client.gateway.startRun({
      agentId: "main",
      sessionKey,
      message: `Plan ${taskId}\nMC-REPLY: Which colour?`,
      idempotencyKey: randomUUID(),
    });
    expect(await client.gateway.waitRun(first.runId, 60_000)).toEqual({ status: "ok", text: "Which colour?" });

    const second = await client.gateway.sendMessage({
      agentId: "main",
      sessionKey,
      message: `Answer ${taskId}: blue\nMC-REPLY: Spec ready`,
      idempotencyKey: randomUUID(),
    });
    expect(second.runId).not.toBe(first.runId);
    expect(await client.gateway.waitRun(second.runId, 60_000)).toEqual({ status: "ok", text: "Spec ready" });

    const request = await stub.waitForRequest((r) => r.userText.includes(`Answer ${taskId}`));
    // Measured: only a session's first turn carries the Runtime line; later
    // turns replay it as history, so the session shows up there.
    expect(runtimeSession(request)).toBeNull();
    expect(request.messages.map((m) => m.text).join("\n")).toContain(`session=${sessionKey} |`);
    // The model sees the earlier turn: the first message and its reply.
    const earlier = request.messages
      .slice(0, -1)
      .map((m) => `${m.role}: ${m.text}`)
      .join("\n");
    expect(earlier).toContain(`Plan ${taskId}`);
    expect(earlier).toContain("assistant: Which colour?");

    // Each run's usage is its own.
    const firstUsage = await client.gateway.runUsage(sessionKey, first.runId);
    const secondUsage = await client.gateway.runUsage(sessionKey, second.runId);
    expect(secondUsage?.input_tokens).toBe(request.usage.prompt_tokens);
    expect(firstUsage?.input_tokens).toBeLessThan(secondUsage!.input_tokens);
  });

  it("never lets two tasks share a session", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const [keyA, keyB] = [taskSessionKey("main", a), taskSessionKey("main", b)];
    const [runA, runB] = await Promise.all([
      client.gateway.startRun({ agentId: "main", sessionKey: keyA, message: `Task ${a}\nMC-REPLY: done ${a}`, idempotencyKey: randomUUID() }),
      client.gateway.startRun({ agentId: "main", sessionKey: keyB, message: `Task ${b}\nMC-REPLY: done ${b}`, idempotencyKey: randomUUID() }),
    ]);
    expect(runA.sessionKey).toBe(keyA);
    expect(runB.sessionKey).toBe(keyB);
    expect(await client.gateway.waitRun(runA.runId, 60_000)).toEqual({ status: "ok", text: `done ${a}` });
    expect(await client.gateway.waitRun(runB.runId, 60_000)).toEqual({ status: "ok", text: `done ${b}` });

    const requestA = await stub.waitForRequest((r) => r.userText.includes(`Task ${a}`));
    const requestB = await stub.waitForRequest((r) => r.userText.includes(`Task ${b}`));
    expect(runtimeSession(requestA)).toBe(keyA);
    expect(runtimeSession(requestB)).toBe(keyB);
    // Neither model request saw the other task.
    expect(requestA.messages.map((m) => m.text).join("\n")).not.toContain(b);
    expect(requestB.messages.map((m) => m.text).join("\n")).not.toContain(a);
    // Each transcript has only its own run.
    expect(await client.gateway.runUsage(keyA, runB.runId)).toBeNull();
    expect(await client.gateway.runUsage(keyB, runA.runId)).toBeNull();
  });

  it("does not start a second run for a reused idempotency key", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    const idempotencyKey = `dispatch-${taskId}`;
    await stub.setRules([{ contains: `Once ${taskId}`, reply: "once", delayMs: 1500 }]);
    const input = { agentId: "main", sessionKey, message: `Once ${taskId}`, idempotencyKey };

    const first = await client.gateway.startRun(input);
    const whileRunning = await client.gateway.startRun(input); // a retried dispatch
    expect(whileRunning.runId).toBe(first.runId);
    expect(await client.gateway.waitRun(first.runId, 60_000)).toEqual({ status: "ok", text: "once" });
    const afterEnd = await client.gateway.startRun(input);
    expect(afterEnd).toEqual({ runId: first.runId, sessionKey });

    await sleep(1000);
    expect((await stub.requests()).filter((r) => r.userText.includes(`Once ${taskId}`))).toHaveLength(1);
    expect(client.finished.filter((e) => e.sessionKey === sessionKey)).toHaveLength(1);
  });

  it("passes extraSystemPrompt to the model's system prompt", async () => {
    const taskId = randomUUID();
    const marker = `MC-CONTEXT-${taskId}`;
    const run = await client.gateway.startRun({
      agentId: "main",
      sessionKey: taskSessionKey("main", taskId),
      message: `System prompt ${taskId}`,
      idempotencyKey: randomUUID(),
      extraSystemPrompt: `Callback token context: ${marker}`,
    });
    expect((await client.gateway.waitRun(run.runId, 60_000)).status).toBe("ok");
    const request = await stub.waitForRequest((r) => r.userText.includes(`System prompt ${taskId}`));
    expect(request.messages[0]).toMatchObject({ role: "system" });
    expect(request.messages[0]!.text).toContain(marker);
  });

  it("refuses a session key of another agent or a bare key, before calling the gateway", async () => {
    const input = { agentId: "main", message: "x", idempotencyKey: randomUUID() };
    await expect(client.gateway.startRun({ ...input, sessionKey: "agent:other:mc-task-1" })).rejects.toThrow(/belongs to agent "other"/);
    await expect(client.gateway.startRun({ ...input, sessionKey: "mc-task-1" })).rejects.toThrow(/agent:<agentId>:<key>/);
  });

  it("maps a gateway error answer to GatewayUnavailableError gateway_error:<code>", async () => {
    const error = await client.gateway
      .startRun({ agentId: "main", sessionKey: taskSessionKey("main", randomUUID()), message: "", idempotencyKey: randomUUID() })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).reason).toMatch(/^gateway_error:[A-Z_]+$/);
    expect(client.lines.some((l) => l.event === "gateway.request_failed" && l.method === "agent")).toBe(true);
  });
});

describe("a client that is not connected", () => {
  it("fails fast with gateway_disconnected before start, and gateway_disabled without a url", async () => {
    const idle = testGateway({ connect: false });
    try {
      const started = Date.now();
      await expect(idle.gateway.listAgents()).rejects.toMatchObject({ name: "GatewayUnavailableError", reason: "gateway_disconnected" });
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      await idle.close();
    }
    const disabled = createGateway({ url: "", token: "", dataDir: idle.dataDir, log: memoryLogger().log });
    disabled.start();
    expect(disabled.status).toBe("disabled");
    await expect(disabled.listAgents()).rejects.toMatchObject({ reason: "gateway_disabled" });
    await disabled.stop();
    expect(disabled.status).toBe("disabled");
  });
});
