import { beforeAll, describe, expect, it } from "vitest";
import { getAgentPerformance } from "#app/db/analytics.server";
import { applyCompletionWebhook, completeTask } from "#app/db/completion.server";
import { updateTask as updateTaskRow } from "#app/db/tasks.server";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { type TestUser, createAgent, createRunningTask, createUser, createWorkspace, hash64 } from "#tests/support/fixtures";

// Who finished the work, through the real write paths: an agent's completion
// (agent API or signed webhook) then a person's review → done is the agent's;
// a task a person moved to done without the agent reporting it complete is
// the person's, shown apart and never credited to the agent.
describe.each(TRANSPORTS)("completed work credited on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agentId: string;
  let ada: TestUser;

  const move = (taskId: string, status: string) => updateTaskRow(db(), taskId, { status }, { type: "user", id: ada.id, name: ada.name });
  // A person takes a handed-in task (testing or review) on to done.
  const finish = async (taskId: string) => {
    await move(taskId, "review");
    await move(taskId, "done");
  };

  beforeAll(async () => {
    ws = await createWorkspace(db(), { name: "Credit" });
    agentId = (await createAgent(db(), ws.id, { name: "Closer", autonomy_level: "autonomous" })).id;
    ada = await createUser(db(), "admin", "Ada Admin");
    const agent = { type: "agent" as const, id: agentId, name: "Closer" };

    // 1. Reported through the agent API, approved to done by a person.
    const viaApi = await createRunningTask(db(), ws.id, agentId);
    await completeTask(db(), viaApi.id, { source: "agent_api", summary: "done", runId: viaApi.runId, actor: agent });
    await finish(viaApi.id);
    // 2. Reported through the signed webhook, then moved to done.
    const viaHook = await createRunningTask(db(), ws.id, agentId);
    await applyCompletionWebhook(db(), { deliveryId: null, contentSha256: hash64(), taskId: viaHook.id, summary: "shipped", usage: null });
    await finish(viaHook.id);
    // 3. Dispatched, then dragged by a person to review and on to done: no report from the agent.
    const dragged = await createRunningTask(db(), ws.id, agentId);
    await move(dragged.id, "review");
    await move(dragged.id, "done");
    // 4. Reported complete, sent back to work, then a person finished it.
    const reworked = await createRunningTask(db(), ws.id, agentId);
    await completeTask(db(), reworked.id, { source: "agent_api", summary: "first try", runId: reworked.runId, actor: agent });
    await move(reworked.id, "assigned");
    await move(reworked.id, "in_progress");
    await move(reworked.id, "review");
    await move(reworked.id, "done");
  });

  it("credits the agent only with the work it reported complete", async () => {
    const perf = await getAgentPerformance(db(), ws.id, 7);
    const closer = perf.agents.find((a) => a.agent_id === agentId)!;
    expect(closer.completed).toBe(2);
    expect(closer.closed_by_people).toBe(2);
    expect(closer.success_rate).toBe(1);
  });

  it("counts the tasks people moved to done apart, by who moved them", async () => {
    const perf = await getAgentPerformance(db(), ws.id, 7);
    expect(perf.completed).toEqual({ by_agents: 2, by_people: 2, unassigned_by_people: 0, people: [{ name: "Ada Admin", tasks: 2 }] });
  });
});
