import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { taskSessionKey } from "#app/domain/openclaw";
import { GatewayUnavailableError } from "#app/services/agent-plane/gateway.server";
import { gatewayControl } from "#tests/support/openclaw/gateway";
import { sleep, testGateway, waitForRunFinished, waitForStatus, type TestGateway } from "#tests/support/openclaw/harness";
import { stubControl } from "#tests/support/openclaw/stub-model";

// Tests that stop, pause, restart or crash the run's shared gateway. The
// gateway project runs files one at a time, so no other file sees it down.
// Every test leaves the gateway up and ready.

const stub = stubControl(inject("stubUrl"));
const control = gatewayControl(inject("gatewayControlUrl"));
const REQUEST_TIMEOUT_MS = 6_000;
let client: TestGateway;

beforeAll(async () => {
  // Long enough for a loaded two-core machine (the suites run side by side), short enough to wait out in a test.
  client = testGateway({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
  await waitForStatus(client.gateway, "connected", 30_000);
});

afterAll(async () => {
  await client?.close();
});

afterEach(async () => {
  await control.resume();
  await control.start(); // no-op when it is running
  await stub.setRules([]);
  await waitForStatus(client.gateway, "connected", 90_000);
});

describe("gateway down", () => {
  it("fails requests fast while the gateway is stopped, then reconnects by itself", async () => {
    const halted = await control.halt();
    await waitForStatus(client.gateway, "disconnected", 10_000);
    expect(client.lines).toContainEqual(expect.objectContaining({ event: "gateway.disconnected" }));

    const started = Date.now();
    const error = await client.gateway.listAgents().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).reason).toBe("gateway_disconnected");
    expect(Date.now() - started).toBeLessThan(100);
    await expect(
      client.gateway.startRun({ agentId: "main", sessionKey: taskSessionKey("main", randomUUID()), message: "x", idempotencyKey: randomUUID() }),
    ).rejects.toMatchObject({ reason: "gateway_disconnected" });

    // Let a few reconnect attempts fail, then bring it back.
    await sleep(3_000);
    const restarted = await control.start();
    const reconnectMs = await waitForStatus(client.gateway, "connected", 60_000);
    expect(await client.gateway.listAgents()).toContainEqual(expect.objectContaining({ id: "main" }));
    process.stdout.write(`[measured] halt ${halted.ms} ms, start ${restarted.ms} ms, reconnect after ready ${reconnectMs} ms\n`);
  });

  it("times out a request the gateway does not answer, and ignores the late answer", async () => {
    // A run whose transcript we can ask for, so the timed-out request has a distinctive answer.
    const sessionKey = taskSessionKey("main", randomUUID());
    const run = await client.gateway.startRun({ agentId: "main", sessionKey, message: "Before pause\nMC-REPLY: fine", idempotencyKey: randomUUID() });
    expect((await client.gateway.waitRun(run.runId, 60_000)).status).toBe("ok");

    await control.pause(); // SIGSTOP: the socket stays open, nothing answers
    const started = Date.now();
    const timedOut = client.gateway.runUsage(sessionKey, run.runId).then(
      () => null,
      (e: unknown) => e,
    );
    const error = await timedOut;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).reason).toBe("gateway_timeout");
    expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 5_000);
    expect(client.lines).toContainEqual(expect.objectContaining({ event: "gateway.request_failed", method: "chat.history", reason: "gateway_timeout" }));

    // The gateway wakes up and answers the timed-out request late; concurrent
    // requests of other kinds still get their own answers.
    await control.resume();
    const [agents, usage, wait] = await Promise.all([
      client.gateway.listAgents(),
      client.gateway.runUsage(sessionKey, run.runId),
      client.gateway.waitRun(run.runId, 1_000),
    ]);
    expect(agents).toContainEqual(expect.objectContaining({ id: "main" }));
    expect(usage).toMatchObject({ model: "stub/stub-model", output_tokens: expect.any(Number) });
    expect(wait).toEqual({ status: "ok", text: "fine" });
    expect(client.gateway.status).toBe("connected");
  });
});

describe("gateway restart in the middle of a run", () => {
  it("SIGTERM: the gateway finishes the run before it exits; the client reconnects and still knows the result", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    await stub.setRules([{ contains: `Slow ${taskId}`, reply: `slow reply ${taskId}`, delayMs: 4_000 }]);
    const finished = waitForRunFinished(client.gateway, (e) => e.sessionKey === sessionKey, 120_000);
    const run = await client.gateway.startRun({ agentId: "main", sessionKey, message: `Slow ${taskId}`, idempotencyKey: randomUUID() });
    await stub.waitForRequest((r) => r.userText.includes(`Slow ${taskId}`));
    const statusesBefore = client.statuses.length;

    const restart = control.restart();
    const end = await finished;
    expect(end).toEqual({ runId: run.runId, sessionKey, status: "ok", text: `slow reply ${taskId}` });
    // The run ended before the connection dropped: the gateway drains active runs on SIGTERM.
    expect(client.statuses.slice(statusesBefore)).not.toContain("disconnected");

    const { ms } = await restart;
    await waitForStatus(client.gateway, "connected", 60_000);
    expect(client.statuses.slice(statusesBefore)).toEqual(["disconnected", "connected"]);

    // The restarted gateway forgot the run (agent.wait says "timeout"); the
    // transcript still has it, and waitRun falls back to it.
    expect(await client.gateway.waitRun(run.runId, 1_000)).toEqual({ status: "ok", text: `slow reply ${taskId}` });
    expect(await client.gateway.runUsage(sessionKey, run.runId)).toMatchObject({ model: "stub/stub-model" });
    expect(client.finished.filter((e) => e.runId === run.runId)).toHaveLength(1);
    process.stdout.write(`[measured] restart with a 4 s run in flight: ${ms} ms\n`);
  }, 240_000);

  it("crash (SIGKILL): the restarted gateway resumes the task's session with a new run, reported for the same session", async () => {
    const taskId = randomUUID();
    const sessionKey = taskSessionKey("main", taskId);
    await stub.setRules([
      // The continuation turn quotes the interrupted message, so it must match first.
      { contains: "interrupted by a gateway restart", reply: `resumed ${taskId}` },
      { contains: `Crash ${taskId}`, reply: "never sent", delayMs: 300_000 },
    ]);
    const run = await client.gateway.startRun({ agentId: "main", sessionKey, message: `Crash ${taskId}`, idempotencyKey: randomUUID() });
    await stub.waitForRequest((r) => r.userText.includes(`Crash ${taskId}`));

    const resumed = waitForRunFinished(client.gateway, (e) => e.sessionKey === sessionKey, 120_000);
    await control.kill();
    await waitForStatus(client.gateway, "disconnected", 10_000);
    await control.start();
    await waitForStatus(client.gateway, "connected", 60_000);

    const end = await resumed;
    expect(end).toMatchObject({ sessionKey, status: "ok", text: `resumed ${taskId}` });
    expect(end.runId).not.toBe(run.runId);
    // The interrupted run itself never completes.
    expect((await client.gateway.waitRun(run.runId, 500)).status).toBe("timeout");
    expect(client.finished.filter((e) => e.runId === run.runId)).toHaveLength(0);
    // Two gateway starts (20–30 s each, longer on a busy machine) and a model turn.
  }, 240_000);
});
