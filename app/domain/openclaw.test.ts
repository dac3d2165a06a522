import { buildDeviceAuthPayloadV3 } from "@openclaw/gateway-client";
import { describe, expect, it } from "vitest";
import {
  assertSessionKeyForAgent,
  deviceAuthPayloadV3,
  deviceIdFromPublicKey,
  laterRunOutcomes,
  messageText,
  parseAgentsList,
  parseAgentWait,
  parseSessionKey,
  runFinishedFromEvent,
  runOutcomeFromHistory,
  runUsageFromHistory,
  parseTaskSessionKey,
  taskIdFromSessionKey,
  taskSessionKey,
} from "./openclaw";

describe("session keys", () => {
  it("builds one key per task and reads it back", () => {
    const key = taskSessionKey("main", "3f2a");
    expect(key).toBe("agent:main:mc-task-3f2a");
    expect(parseSessionKey(key)).toEqual({ agentId: "main", rest: "mc-task-3f2a" });
    expect(taskIdFromSessionKey(key)).toBe("3f2a");
    expect(taskIdFromSessionKey("agent:main:main")).toBeNull();
    expect(taskIdFromSessionKey("mc-task-1")).toBeNull();
  });

  it("gives every pipeline stage after the first its own session", () => {
    const id = "0b5c7e9a-1111-4222-8333-944455556666";
    expect(taskSessionKey("main", id, 1)).toBe(`agent:main:mc-task-${id}`);
    expect(taskSessionKey("main", id, null)).toBe(`agent:main:mc-task-${id}`);
    expect(taskSessionKey("writer", id, 3)).toBe(`agent:writer:mc-task-${id}-s3`);
    expect(parseTaskSessionKey(`agent:writer:mc-task-${id}-s3`)).toEqual({ taskId: id, stage: 3 });
    expect(parseTaskSessionKey(`agent:main:mc-task-${id}`)).toEqual({ taskId: id, stage: 1 });
    expect(taskIdFromSessionKey(`agent:writer:mc-task-${id}-s12`)).toBe(id);
  });

  it("rejects agent ids that would break the key", () => {
    expect(() => taskSessionKey("a:b", "1")).toThrow(/agent id/);
    expect(() => taskSessionKey("", "1")).toThrow(/agent id/);
    expect(() => taskSessionKey("main", "")).toThrow(/task id/);
  });

  it("accepts only full keys of the same agent", () => {
    expect(() => assertSessionKeyForAgent("agent:main:mc-task-1", "main")).not.toThrow();
    expect(() => assertSessionKeyForAgent("agent:ops:mc-task-1", "main")).toThrow(/belongs to agent "ops"/);
    expect(() => assertSessionKeyForAgent("mc-task-1", "main")).toThrow(/agent:<agentId>:<key>/);
  });
});

describe("device identity", () => {
  it("derives the device id as the SHA-256 hex of the raw public key", () => {
    expect(deviceIdFromPublicKey(new Uint8Array(32))).toBe("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
    expect(() => deviceIdFromPublicKey(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it("builds the v3 signature payload exactly like the gateway client package", () => {
    const input = {
      deviceId: "abc123",
      clientId: "gateway-client",
      clientMode: "backend",
      role: "operator",
      scopes: ["operator.admin", "operator.read"],
      signedAtMs: 1_795_571_542_522,
      token: "t0ken",
      nonce: "n-1",
      platform: " Linux ",
      deviceFamily: "Server",
    };
    const payload = deviceAuthPayloadV3(input);
    expect(payload).toBe("v3|abc123|gateway-client|backend|operator|operator.admin,operator.read|1795571542522|t0ken|n-1|linux|server");
    expect(payload).toBe(buildDeviceAuthPayloadV3(input));
    const bare = { ...input, token: null, platform: undefined, deviceFamily: undefined };
    expect(deviceAuthPayloadV3(bare)).toBe(buildDeviceAuthPayloadV3(bare));
  });
});

// Shapes as measured against openclaw 2026.9.6 (see docs/decisions/004).
const history = {
  sessionKey: "agent:main:mc-task-1",
  messages: [
    { role: "user", content: "Do it", idempotencyKey: "run-1:user", __openclaw: { seq: 1 } },
    {
      role: "assistant",
      content: [{ type: "text", text: "calling a tool" }],
      provider: "stub",
      model: "stub-model",
      usage: { input: 1000, output: 10, cacheRead: 0, cacheWrite: 0, cost: { total: 0.00102 } },
      stopReason: "toolUse",
      __openclaw: { runId: "run-1", seq: 2 },
    },
    { role: "toolResult", content: "ok", __openclaw: { runId: "run-1", seq: 3 } },
    {
      role: "assistant",
      content: [
        { type: "text", text: "TASK_COMPLETE: " },
        { type: "text", text: "done" },
      ],
      provider: "stub",
      model: "stub-model",
      usage: { input: 1200, output: 5, cacheRead: 800, cacheWrite: 100, cost: { total: 0.00121 } },
      stopReason: "stop",
      __openclaw: { runId: "run-1", seq: 4 },
    },
    { role: "user", content: "Next", idempotencyKey: "run-2:user" },
    {
      role: "assistant",
      content: [{ type: "text", text: "other" }],
      provider: "stub",
      model: "stub-model",
      usage: { input: 3000, output: 7 },
      stopReason: "stop",
      __openclaw: { runId: "run-2" },
    },
  ],
  sessionInfo: { activeRunIds: [] },
};

describe("usage from chat.history", () => {
  it("sums the assistant rows of one run", () => {
    expect(runUsageFromHistory(history, "run-1")).toEqual({
      model: "stub/stub-model",
      input_tokens: 2200,
      output_tokens: 15,
      cache_read_tokens: 800,
      cache_write_tokens: 100,
      cost_usd: 0.00223,
    });
  });

  it("has no cost when no row carries one, and is null for an unknown run", () => {
    expect(runUsageFromHistory(history, "run-2")).toMatchObject({ input_tokens: 3000, output_tokens: 7, cost_usd: null });
    expect(runUsageFromHistory(history, "run-9")).toBeNull();
    expect(runUsageFromHistory(null, "run-1")).toBeNull();
    expect(runUsageFromHistory({ messages: "nope" }, "run-1")).toBeNull();
  });
});

describe("run outcome from chat.history", () => {
  it("reads the final assistant row", () => {
    expect(runOutcomeFromHistory(history, "run-1")).toEqual({ status: "ok", text: "TASK_COMPLETE: done" });
  });

  it("is null while the run is active or stopped for a tool", () => {
    expect(runOutcomeFromHistory({ ...history, sessionInfo: { activeRunIds: ["run-1"] } }, "run-1")).toBeNull();
    expect(runOutcomeFromHistory({ messages: history.messages.slice(0, 3) }, "run-1")).toBeNull();
  });

  it("reports an error row as an error", () => {
    const failed = { messages: [{ role: "assistant", content: [], stopReason: "error", errorMessage: "HTTP 500", __openclaw: { runId: "r" } }] };
    expect(runOutcomeFromHistory(failed, "r")).toEqual({ status: "error", text: null });
  });

  it("lists the finished runs that came after a run in its session", () => {
    expect(laterRunOutcomes(history, "run-1")).toEqual([{ runId: "run-2", status: "ok", text: "other" }]);
    expect(laterRunOutcomes(history, "run-2")).toEqual([]);
    expect(laterRunOutcomes(history, "run-9")).toEqual([]);
  });
});

describe("gateway answers", () => {
  it("reads agents.list", () => {
    const payload = {
      defaultId: "main",
      agents: [
        { id: "main", model: { primary: "stub/stub-model" } },
        { id: "ops", name: "Ops", model: "openai/gpt" },
        { id: "id-only", identity: { name: "Named" } },
        { name: "no id" },
      ],
    };
    expect(parseAgentsList(payload)).toEqual([
      { id: "main", name: null, model: "stub/stub-model" },
      { id: "ops", name: "Ops", model: "openai/gpt" },
      { id: "id-only", name: "Named", model: null },
    ]);
    expect(parseAgentsList(undefined)).toEqual([]);
  });

  it("reads agent.wait", () => {
    expect(parseAgentWait({ runId: "r", status: "ok", terminalReply: { disposition: "visible", text: "hi" } })).toEqual({ status: "ok", text: "hi" });
    expect(parseAgentWait({ runId: "r", status: "timeout" })).toEqual({ status: "timeout", text: null });
    expect(parseAgentWait({ status: "weird" })).toEqual({ status: "pending", text: null });
  });

  it("flattens message content", () => {
    expect(messageText("plain")).toBe("plain");
    expect(messageText([{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }])).toBe("ab");
    expect(messageText([{ type: "image" }])).toBeNull();
    expect(messageText(42)).toBeNull();
  });
});

describe("run end from events", () => {
  const base = { runId: "r1", sessionKey: "agent:main:mc-task-1" };

  it("reads agent lifecycle end", () => {
    const payload = { ...base, stream: "lifecycle", data: { phase: "end", aborted: false, stopReason: "stop", terminalReply: { text: "done" } } };
    expect(runFinishedFromEvent("agent", payload)).toEqual({ ...base, status: "ok", text: "done" });
    const aborted = { ...payload, data: { ...payload.data, aborted: true } };
    expect(runFinishedFromEvent("agent", aborted)).toMatchObject({ status: "error" });
    expect(runFinishedFromEvent("agent", { ...base, stream: "lifecycle", data: { phase: "error", error: "boom" } })).toEqual({
      ...base,
      status: "error",
      text: "boom",
    });
  });

  it("reads chat final and chat error", () => {
    const final = { ...base, state: "final", stopReason: "stop", message: { role: "assistant", content: [{ type: "text", text: "done" }] } };
    expect(runFinishedFromEvent("chat", final)).toEqual({ ...base, status: "ok", text: "done" });
    expect(runFinishedFromEvent("chat", { ...base, state: "error", errorMessage: "model failed" })).toEqual({ ...base, status: "error", text: "model failed" });
  });

  it("ignores everything else", () => {
    expect(runFinishedFromEvent("agent", { ...base, stream: "lifecycle", data: { phase: "start" } })).toBeNull();
    expect(runFinishedFromEvent("agent", { ...base, stream: "lifecycle", data: { phase: "finishing" } })).toBeNull();
    expect(runFinishedFromEvent("agent", { ...base, stream: "assistant", data: { delta: "x" } })).toBeNull();
    expect(runFinishedFromEvent("chat", { ...base, state: "delta" })).toBeNull();
    expect(runFinishedFromEvent("chat", { state: "final" })).toBeNull();
    expect(runFinishedFromEvent("task", { ...base })).toBeNull();
  });
});
