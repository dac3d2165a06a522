import { beforeAll, describe, expect, it } from "vitest";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { listHeartbeatRuns, recordHeartbeatRun } from "#app/db/heartbeat.server";
import type { Workspace } from "#app/db/workspaces.server";
import { createTask, createWorkspace, query } from "#tests/support/fixtures";

// The Heartbeat page names each action's task by its title, with a link into its workspace.
describe.each(RPC_TRANSPORTS)("heartbeat receipts on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace(db());
  });

  it("lists each action with its task's title and workspace, and a deleted task as neither", async () => {
    const kept = await createTask(db(), ws.id, { title: "Write the weekly report" });
    const gone = await createTask(db(), ws.id, { title: "Soon deleted" });
    await recordHeartbeatRun(db(), {
      trigger: "manual",
      instance: "test",
      startedAt: new Date().toISOString(),
      durationMs: 3,
      gatewayCalls: 0,
      actions: [
        { task_id: kept.id, action: "dispatch", reason: null, ok: true },
        { task_id: gone.id, action: "stall_check", reason: "no_progress", ok: false },
        { task_id: null, action: "expire_approvals", reason: null, ok: true },
      ],
    });
    await query(db(), "delete from tasks where id = $1", [gone.id]);
    const [run] = await listHeartbeatRuns(db(), 1);
    expect(run?.actions).toEqual([
      { task_id: kept.id, action: "dispatch", reason: null, ok: true, task_title: "Write the weekly report", workspace_slug: ws.slug },
      { task_id: gone.id, action: "stall_check", reason: "no_progress", ok: false, task_title: null, workspace_slug: null },
      { task_id: null, action: "expire_approvals", reason: null, ok: true, task_title: null, workspace_slug: null },
    ]);
  });
});
