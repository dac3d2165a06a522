import { describe, expect, it } from "vitest";
import { type LedgerRow, settledRows, toIngestionEvents, traceId } from "./langfuse";

const row = (over: Partial<LedgerRow> = {}): LedgerRow => ({
  id: "u1",
  task_id: "t1",
  task_title: "Write the report",
  workspace_slug: "ops",
  agent_id: "a1",
  agent_name: "Scribe",
  session_key: "agent:main:mc-task-t1",
  run_id: "r1",
  source: "webhook",
  model: "gpt-4o",
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 50,
  cache_write_tokens: 0,
  cost_usd: "0.004500",
  provenance: "reported",
  created_at: "2026-11-25T10:00:00.000Z",
  ...over,
});

describe("the ledger as Langfuse ingestion events", () => {
  it("puts each row under its task's trace as one generation with its tokens and reported cost", () => {
    const [trace, generation] = toIngestionEvents(row());
    expect(trace).toMatchObject({
      id: "u1-trace",
      type: "trace-create",
      body: { id: "mc-task-t1", name: "Write the report", sessionId: "agent:main:mc-task-t1", tags: ["workspace:ops", "agent:Scribe"] },
    });
    expect(generation).toMatchObject({
      id: "u1-generation",
      type: "generation-create",
      body: {
        id: "u1",
        traceId: "mc-task-t1",
        model: "gpt-4o",
        usageDetails: { input: 1000, output: 200, cache_read: 50, cache_write: 0, total: 1250 },
        costDetails: { total: 0.0045 },
        metadata: { source: "webhook", provenance: "reported", run_id: "r1" },
      },
    });
  });

  it("sends no cost when the ledger has none, and groups usage without a task in one trace", () => {
    const [, generation] = toIngestionEvents(row({ cost_usd: null, task_id: null, task_title: null }));
    expect(generation!.body.costDetails).toBeUndefined();
    expect(traceId(row({ task_id: null }))).toBe("mc-unattributed");
  });

  it("keeps ids stable, so a resend updates rather than duplicates", () => {
    expect(toIngestionEvents(row()).map((e) => e.id)).toEqual(toIngestionEvents(row()).map((e) => e.id));
  });

  it("settles a row when both its events are taken or refused for good, and retries on 5xx or silence", () => {
    const rows = [row({ id: "a" }), row({ id: "b" }), row({ id: "c" }), row({ id: "d" })];
    const result = settledRows(rows, {
      successes: [
        { id: "a-trace", status: 201 },
        { id: "a-generation", status: 201 },
        { id: "b-trace", status: 201 },
        { id: "c-trace", status: 201 },
      ],
      errors: [
        { id: "b-generation", status: 400, message: "bad" },
        { id: "c-generation", status: 500 },
      ],
    });
    expect(result).toEqual({ done: ["a"], rejected: ["b"], retry: ["c", "d"] });
  });
});
