import { describe, expect, it } from "vitest";
import {
  TRANSCRIPT_ENTRY_MAX_CHARS,
  TRANSCRIPT_MAX_OFFSET,
  TRANSCRIPT_PAGE_SIZE,
  TRANSCRIPT_PREVIEW_CHARS,
  clip,
  parseTranscript,
  parseTranscriptCursor,
  redactSecrets,
} from "./transcript";

// Rows shaped as the real gateway's `chat.history` answers them (a dispatch,
// an exec tool call and its result, a final reply, then a follow-up turn).

const meta = (id: string, runId?: string) => ({ id, ...(runId ? { runId } : {}), seq: 1 });
const usage = (input: number, output: number, cost: number) => ({
  input,
  output,
  cacheRead: 0,
  cacheWrite: 0,
  totalTokens: input + output,
  cost: { total: cost },
});

const TOKEN = `mct_${"A1b2C3d4".repeat(5)}xyz`;

function history(extra: Record<string, unknown> = {}) {
  return {
    sessionKey: "agent:main:mc-task-t1",
    messages: [
      {
        role: "user",
        content: `You have been assigned a task.\n  Authorization: Bearer ${TOKEN}\n${"context ".repeat(80)}`,
        timestamp: 1_796_280_623_213,
        __openclaw: meta("m1"),
      },
      {
        role: "assistant",
        content: [{ type: "toolCall", id: "call-1", name: "exec", arguments: { command: "ls -la /tmp" } }],
        provider: "stub",
        model: "stub-model",
        usage: usage(100, 9, 0.01),
        stopReason: "toolUse",
        timestamp: 1_796_280_632_543,
        __openclaw: meta("m2", "run-1"),
      },
      {
        role: "toolResult",
        toolCallId: "call-1",
        toolName: "exec",
        content: [{ type: "text", text: "x".repeat(TRANSCRIPT_PREVIEW_CHARS + 50) }],
        isError: false,
        timestamp: 1_796_280_634_599,
        __openclaw: meta("m3", "run-1"),
      },
      {
        role: "assistant",
        content: [{ type: "text", text: "TASK_COMPLETE: all <b>done</b>" }],
        provider: "stub",
        model: "stub-model",
        usage: usage(120, 8, 0.02),
        stopReason: "stop",
        timestamp: 1_796_280_634_711,
        __openclaw: meta("m4", "run-1"),
      },
    ],
    offset: 0,
    hasMore: false,
    totalMessages: 4,
    sessionInfo: { key: "agent:main:mc-task-t1", hasActiveRun: false },
    ...extra,
  };
}

describe("parseTranscript", () => {
  it("reads prompts, assistant text, tool calls with their arguments and tool results, oldest first", () => {
    const page = parseTranscript(history(), { offset: 0, runId: "run-1" });
    expect(page.entries.map((e) => e.kind)).toEqual(["prompt", "assistant", "tool_result", "assistant"]);
    const [prompt, call, result, reply] = page.entries;
    expect(prompt).toMatchObject({ kind: "prompt", key: "m1", at: "2026-12-03T06:50:23.213Z", runId: null });
    expect(call).toMatchObject({ kind: "assistant", text: null, model: "stub/stub-model", error: null, runId: "run-1" });
    expect(call?.kind === "assistant" && call.toolCalls).toEqual([
      { id: "call-1", name: "exec", args: { preview: '{\n  "command": "ls -la /tmp"\n}', full: '{\n  "command": "ls -la /tmp"\n}', long: false, cut: false } },
    ]);
    expect(result).toMatchObject({ kind: "tool_result", toolCallId: "call-1", toolName: "exec", isError: false });
    // What the agent wrote stays text, markup and all: the page renders it as text.
    expect(reply).toMatchObject({ kind: "assistant", text: "TASK_COMPLETE: all <b>done</b>", toolCalls: [] });
  });

  it("truncates a long tool result to a preview and keeps the whole for <details>", () => {
    const result = parseTranscript(history(), { offset: 0, runId: null }).entries[2]!;
    if (result.kind !== "tool_result") throw new Error("expected a tool result");
    expect(result.output.long).toBe(true);
    expect(result.output.preview).toHaveLength(TRANSCRIPT_PREVIEW_CHARS + 1);
    expect(result.output.preview.endsWith("…")).toBe(true);
    expect(result.output.full).toHaveLength(TRANSCRIPT_PREVIEW_CHARS + 50);
    expect(result.output.cut).toBe(false);
  });

  it("caps an entry at the most the page carries, and says it was cut", () => {
    const huge = clip("y".repeat(TRANSCRIPT_ENTRY_MAX_CHARS + 10));
    expect(huge.full).toHaveLength(TRANSCRIPT_ENTRY_MAX_CHARS);
    expect(huge).toMatchObject({ long: true, cut: true });
  });

  it("blanks the agent's bearer token wherever it appears", () => {
    const prompt = parseTranscript(history(), { offset: 0, runId: null }).entries[0]!;
    if (prompt.kind !== "prompt") throw new Error("expected a prompt");
    expect(prompt.text.full).not.toContain(TOKEN);
    expect(prompt.text.full).toContain("Authorization: Bearer [redacted]");
    expect(redactSecrets(`curl -H "Authorization: Bearer ${TOKEN}" …`)).toBe('curl -H "Authorization: Bearer [redacted]" …');
    expect(redactSecrets(`token=mca_${"Z".repeat(43)} done`)).toBe("token=mca_[redacted] done");
    expect(redactSecrets("Bearer abc.def-ghi")).toBe("Bearer [redacted]");
    expect(redactSecrets("no secrets, mct_short")).toBe("no secrets, mct_short");
  });

  it("shows failed model calls, stopped runs and failed tools as errors", () => {
    const page = parseTranscript(
      {
        messages: [
          { role: "assistant", content: [], stopReason: "error", errorMessage: "provider returned 500", __openclaw: meta("e1", "r") },
          { role: "assistant", content: [{ type: "text", text: "partial" }], stopReason: "aborted", __openclaw: meta("e2", "r") },
          { role: "assistant", content: [], stopReason: "error", __openclaw: meta("e3", "r") },
          { role: "toolResult", toolName: "exec", content: "exit 1: permission denied", isError: true, __openclaw: meta("e4", "r") },
        ],
      },
      { offset: 0, runId: "r" },
    );
    expect(page.entries.map((e) => (e.kind === "assistant" ? e.error : e.kind === "tool_result" ? e.isError : null))).toEqual([
      "provider returned 500",
      "The run was stopped.",
      "The model call failed.",
      true,
    ]);
  });

  it("reports the current run's usage so far, summed over its assistant rows", () => {
    const page = parseTranscript(history(), { offset: 0, runId: "run-1" });
    expect(page.usage).toEqual({
      runId: "run-1",
      model: "stub/stub-model",
      input_tokens: 220,
      output_tokens: 17,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: 0.03,
      partial: false,
    });
    // Without the task's run on the page, the newest run shown is the one.
    expect(parseTranscript(history(), { offset: 0, runId: "elsewhere" }).usage?.runId).toBe("run-1");
    expect(parseTranscript({ messages: [] }, { offset: 0, runId: "run-1" }).usage).toBeNull();
  });

  it("marks the usage partial when the run began on an older page", () => {
    const h = history({ hasMore: true, nextOffset: 3, totalMessages: 7 });
    h.messages = h.messages.slice(1);
    const page = parseTranscript(h, { offset: 0, runId: "run-1" });
    expect(page.usage?.partial).toBe(true);
  });

  it("knows a running session and the messages the gateway leaves out", () => {
    expect(parseTranscript(history({ sessionInfo: { hasActiveRun: true } }), { offset: 0, runId: null }).active).toBe(true);
    expect(parseTranscript(history({ sessionInfo: { activeRunIds: ["run-2"] } }), { offset: 0, runId: null }).active).toBe(true);
    expect(parseTranscript(history(), { offset: 0, runId: null }).active).toBe(false);
    const odd = parseTranscript(
      { messages: [{ role: "system", content: "Conversation compacted" }, { role: "system", content: "" }, "junk", null] },
      { offset: 0, runId: null },
    );
    expect(odd.entries).toEqual([{ key: "at-2", at: null, runId: null, kind: "note", role: "system", text: "Conversation compacted" }]);
  });

  it("reads anything but a transcript as an empty page", () => {
    for (const junk of [null, "text", [], { messages: "no" }]) {
      expect(parseTranscript(junk, { offset: 0, runId: null })).toEqual({
        entries: [],
        offset: 0,
        olderOffset: null,
        newerOffset: null,
        total: null,
        active: false,
        usage: null,
      });
    }
  });
});

describe("transcript pagination", () => {
  it("links to older messages with the gateway's next offset, and to newer ones a page back", () => {
    const tail = parseTranscript(history({ hasMore: true, nextOffset: 40, totalMessages: 95 }), { offset: 0, runId: null });
    expect(tail).toMatchObject({ offset: 0, olderOffset: 40, newerOffset: null, total: 95 });
    const middle = parseTranscript(history({ hasMore: true, nextOffset: 80, totalMessages: 95 }), { offset: 40, runId: null });
    expect(middle).toMatchObject({ olderOffset: 80, newerOffset: 0 });
    const first = parseTranscript(history({ hasMore: false, totalMessages: 95 }), { offset: 80, runId: null });
    expect(first).toMatchObject({ olderOffset: null, newerOffset: 80 - TRANSCRIPT_PAGE_SIZE });
  });

  it("still moves back when the gateway says there is more without a usable next offset", () => {
    expect(parseTranscript(history({ hasMore: true }), { offset: 10, runId: null }).olderOffset).toBe(14);
    expect(parseTranscript(history({ hasMore: true, nextOffset: 5 }), { offset: 10, runId: null }).olderOffset).toBe(14);
  });

  it("takes a whole number cursor in range and refuses anything else", () => {
    expect(parseTranscriptCursor(null)).toEqual({ ok: true, offset: 0 });
    expect(parseTranscriptCursor("")).toEqual({ ok: true, offset: 0 });
    expect(parseTranscriptCursor("40")).toEqual({ ok: true, offset: 40 });
    expect(parseTranscriptCursor(String(TRANSCRIPT_MAX_OFFSET))).toEqual({ ok: true, offset: TRANSCRIPT_MAX_OFFSET });
    for (const bad of ["-1", "1.5", "abc", "1e3", " 4", String(TRANSCRIPT_MAX_OFFSET + 1), "99999999"]) {
      expect(parseTranscriptCursor(bad)).toMatchObject({ ok: false, message: expect.stringContaining("transcript_before") });
    }
  });
});
