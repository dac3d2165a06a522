import { beforeAll, describe, expect, it } from "vitest";
import { agentRecordUsage, agentSetStatus } from "#app/db/agent-api.server";
import { getAgentWork } from "#app/db/analytics.server";
import { completeTask, recordRunFailure } from "#app/db/completion.server";
import { recordUsage } from "#app/db/costs.server";
import { updateTask as updateTaskRow } from "#app/db/tasks.server";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { createAgent, createRunningTask, createTask, createUser, createWorkspace } from "#tests/support/fixtures";

// The agent page's read: the agent's tasks, open ones first, and its recent
// runs with how each ended and the usage recorded for it.
describe.each(TRANSPORTS)("an agent's work on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agentId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ws = await createWorkspace(db(), { name: "Work" });
    agentId = (await createAgent(db(), ws.id, { name: "Worker", autonomy_level: "autonomous" })).id;
    const other = (await createAgent(db(), ws.id, { name: "Someone else" })).id;
    const ada = await createUser(db(), "admin", "Ada Admin");
    const person = { type: "user" as const, id: ada.id, name: ada.name };
    const agent = { type: "agent" as const, id: agentId, name: "Worker" };

    // Completed with usage, then done.
    const done = await createRunningTask(db(), ws.id, agentId, { title: "Finished one" });
    ids.done = done.id;
    await recordUsage(db(), done.id, {
      source: "agent_api",
      dedupeKey: done.runId,
      runId: done.runId,
      usage: { model: "claude-sonnet-5", input_tokens: 1000, output_tokens: 500, cost_usd: 0.25 },
    });
    await completeTask(db(), done.id, { source: "agent_api", summary: "ok", runId: done.runId, actor: agent });
    await updateTaskRow(db(), done.id, { status: "review" }, person);
    await updateTaskRow(db(), done.id, { status: "done" }, person);
    // A failed run.
    const failed = await createRunningTask(db(), ws.id, agentId, { title: "Broke once" });
    ids.failed = failed.id;
    await recordRunFailure(db(), failed.id, failed.runId, "tool crashed");
    // Still running.
    const running = await createRunningTask(db(), ws.id, agentId, { title: "Under way" });
    ids.running = running.id;
    // Stopped by a person: moved back to assigned.
    const moved = await createRunningTask(db(), ws.id, agentId, { title: "Taken back" });
    ids.moved = moved.id;
    await updateTaskRow(db(), moved.id, { status: "assigned" }, person);
    // Started by the agent itself through its API (no run id), usage, then reported complete.
    const self = await createTask(db(), ws.id, { title: "Self-started", status: "assigned", assigned_agent_id: agentId });
    await agentSetStatus(db(), agentId, self.id, { status: "in_progress", summary: "" });
    await agentRecordUsage(db(), agentId, self.id, { dedupeKey: null, usage: { model: "gpt-5.5", input_tokens: 1000, output_tokens: 0 } });
    await agentSetStatus(db(), agentId, self.id, { status: "review", summary: "done" });
    // Assigned, never dispatched; and another agent's task.
    ids.waiting = (await createTask(db(), ws.id, { title: "Waiting", status: "assigned", assigned_agent_id: agentId })).id;
    await createTask(db(), ws.id, { title: "Not mine", status: "assigned", assigned_agent_id: other });
  });

  it("lists the agent's tasks, open ones first, with counts", async () => {
    const work = await getAgentWork(db(), agentId);
    expect(work.counts).toEqual({ open: 5, done: 1, cancelled: 0 });
    expect(work.tasks.map((t) => t.title)).not.toContain("Not mine");
    expect(work.tasks.map((t) => t.open)).toEqual([true, true, true, true, true, false]);
    expect(work.tasks.at(-1)).toMatchObject({ title: "Finished one", status: "done" });
    expect(work.tasks.map((t) => t.title)).toEqual(expect.arrayContaining(["Waiting", "Under way", "Taken back", "Broke once"]));
  });

  it("lists its runs newest first with how each ended and its usage", async () => {
    const work = await getAgentWork(db(), agentId);
    const byTitle = Object.fromEntries(work.runs.map((r) => [r.title, r]));
    expect(work.runs.map((r) => r.title)).toEqual(["Self-started", "Taken back", "Under way", "Broke once", "Finished one"]);
    // The seeded price of gpt-5.5 ($5 per million input tokens) estimates the self-started run.
    expect(byTitle["Self-started"]).toMatchObject({ run_id: null, outcome: "completed", usage: { records: 1, tokens: 1000, cost_usd: 0.005 } });
    expect(byTitle["Finished one"]).toMatchObject({ outcome: "completed", ended_at: expect.any(String), usage: { records: 1, tokens: 1500, cost_usd: 0.25 } });
    expect(byTitle["Broke once"]).toMatchObject({ outcome: "failed", usage: { records: 0 } });
    expect(byTitle["Under way"]).toMatchObject({ outcome: "running", ended_at: null });
    expect(byTitle["Taken back"]).toMatchObject({ outcome: "moved", moved_to: "assigned", moved_by: "Ada Admin" });
    const limited = await getAgentWork(db(), agentId, 2, 1);
    expect([limited.tasks.length, limited.runs.length]).toEqual([2, 1]);
  });
});
