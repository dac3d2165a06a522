import { beforeAll, describe, expect, it } from "vitest";
import { listTaskApprovals } from "#app/db/governance.server";
import { addTaskUpload, deleteTaskUpload, getTaskChecks, listTaskUploads, updateTask as updateTaskAs } from "#app/db/tasks.server";
import { getWorkspaceUrlAllowlist, setWorkspaceUrlAllowlist, type Workspace } from "#app/db/workspaces.server";
import type { Agent } from "#app/db/agents.server";
import { finishTesting } from "#app/db/completion.server";
import { INLINE_FIELDS, inlineFieldSchema } from "#app/domain/forms/task";
import { formData } from "#tests/support/form-data";
import { parseForm } from "#app/domain/forms/parse";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { appError, createAgent, createTask, createUser, createWorkspace, query, rowCounts, taskRow, type TestUser, userActor } from "#tests/support/fixtures";

// The task page's SQL, on PostgreSQL and PGlite: an in-place edit changes its
// one field, attached files are recorded with who sent them (audited, removed
// by their uploader or an admin, listed in the dispatch), the page reads the
// approvals waiting on the task and the latest checks, and a workspace's
// allowed hosts are an admin's to set.

const HASH = "b".repeat(64);
const actorOf = (u: TestUser) => ({ ...userActor(u), type: "user" as const });

describe.each(TRANSPORTS)("the task page's data on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let agent: Agent;
  let other: Agent;
  let operator: TestUser;
  let colleague: TestUser;
  let admin: TestUser;
  let viewer: TestUser;
  let typeId: string;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    agent = await createAgent(db(), ws.id, { name: "Worker" });
    other = await createAgent(db(), ws.id, { name: "Other" });
    operator = await createUser(db(), "operator", "Olive Operator");
    colleague = await createUser(db(), "operator", "Colin Colleague");
    admin = await createUser(db(), "admin", "Ada Admin");
    viewer = await createUser(db(), "viewer", "Vic Viewer");
    const [type] = await query<{ id: string }>(db(), "select id from task_types where key = 'research'");
    typeId = type!.id;
  });

  const fullTask = () =>
    createTask(db(), ws.id, {
      title: "Survey",
      description: "Find sources",
      priority: "high",
      assigned_agent_id: agent.id,
      due_at: "2030-01-15T00:00:00.000Z",
      task_type_id: typeId,
      status: "assigned",
    });

  const FIELDS = ["title", "description", "priority", "assigned_agent_id", "due_at", "task_type_id", "status"] as const;
  const snapshot = async (id: string) => {
    const row = (await taskRow(db(), id)) as Record<string, unknown>;
    return Object.fromEntries(FIELDS.map((f) => [f, row[f] instanceof Date ? (row[f] as Date).toISOString() : row[f]]));
  };

  it.each([
    ["title", { title: "Renamed" }],
    ["description", { description: "New **plan**" }],
    ["priority", { priority: "urgent" }],
    ["assignee", { assigned_agent_id: "OTHER" }],
    ["due", { due_at: "2031-02-03" }],
    ["type", { task_type_id: "" }],
  ] as const)("an in-place edit of %s changes that field alone", async (field, posted) => {
    const task = await fullTask();
    const before = await snapshot(task.id);
    const values = Object.fromEntries(Object.entries(posted).map(([k, v]) => [k, v === "OTHER" ? other.id : v]));
    const parsed = parseForm(formData(values), inlineFieldSchema(field));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = await updateTaskAs(db(), task.id, parsed.data as Record<string, unknown>, actorOf(operator));
    const name = INLINE_FIELDS[field];
    expect(result.changed).toEqual([name]);
    const after = await snapshot(task.id);
    for (const f of FIELDS) {
      if (f === name) expect(after[f], f).not.toEqual(before[f]);
      else expect(after[f], f).toEqual(before[f]);
    }
  });

  it("refuses clearing the assignee of an assigned task, changing nothing", async () => {
    const task = await fullTask();
    const before = await snapshot(task.id);
    const error = await appError(updateTaskAs(db(), task.id, { assigned_agent_id: null }, actorOf(operator)));
    expect(error.code).toBe("invalid");
    expect(error.fieldErrors).toEqual({ assigned_agent_id: "Required while the task is assigned or in progress" });
    expect(await snapshot(task.id)).toEqual(before);
  });

  it("records an attached file with who sent it, audited and listed for the dispatch", async () => {
    const task = await fullTask();
    const upload = await addTaskUpload(db(), task.id, { path: "brief.pdf", size: 2048, sha256: HASH }, operator.id);
    expect(upload).toMatchObject({ task_id: task.id, path: "brief.pdf", size_bytes: 2048, uploaded_by: operator.id, uploaded_by_name: "Olive Operator" });
    expect(await listTaskUploads(db(), task.id)).toEqual([upload]);
    const [audit] = await query<{ kind: string; data: { path: string } }>(
      db(),
      "select kind, data from audit_log where kind = 'task.file_uploaded' and subject->>'task_id' = $1",
      [task.id],
    );
    expect(audit).toMatchObject({ kind: "task.file_uploaded", data: { path: "brief.pdf" } });
    const [extras] = await query<{ x: { uploads: unknown[] } }>(db(), "select dispatch_extras(t) as x from tasks t where t.id = $1", [task.id]);
    expect(extras!.x.uploads).toEqual([{ path: "brief.pdf", size_bytes: 2048, uploaded_by_name: "Olive Operator" }]);
    const [activity] = await query<{ message: string; actor_name: string }>(
      db(),
      "select message, actor_name from task_activities where task_id = $1 and type = 'file_uploaded'",
      [task.id],
    );
    expect(activity).toEqual({ message: "Attached brief.pdf", actor_name: "Olive Operator" });
  });

  it("refuses attaching for a viewer, twice under one name, bad records, and on a finished task, changing nothing", async () => {
    const task = await fullTask();
    await addTaskUpload(db(), task.id, { path: "a.txt", size: 1, sha256: HASH }, operator.id);
    const done = await createTask(db(), ws.id, { status: "inbox" });
    await query(db(), "update tasks set status = 'cancelled' where id = $1", [done.id]);
    const counts = await rowCounts(db());
    expect((await appError(addTaskUpload(db(), task.id, { path: "b.txt", size: 1, sha256: HASH }, viewer.id))).code).toBe("forbidden");
    expect((await appError(addTaskUpload(db(), task.id, { path: "a.txt", size: 1, sha256: HASH }, operator.id))).status).toBeGreaterThanOrEqual(400);
    expect(await appError(addTaskUpload(db(), task.id, { path: "../x", size: 1, sha256: HASH }, operator.id))).toBeTruthy();
    expect(await appError(addTaskUpload(db(), task.id, { path: "x", size: 0, sha256: HASH }, operator.id))).toBeTruthy();
    expect((await appError(addTaskUpload(db(), done.id, { path: "c.txt", size: 1, sha256: HASH }, operator.id))).code).toBe("conflict");
    expect(await rowCounts(db())).toEqual(counts);
  });

  it("removes an attachment for its uploader or an admin only, audited", async () => {
    const task = await fullTask();
    const mine = await addTaskUpload(db(), task.id, { path: "mine.txt", size: 3, sha256: HASH }, operator.id);
    const theirs = await addTaskUpload(db(), task.id, { path: "theirs.txt", size: 3, sha256: HASH }, colleague.id);
    expect((await appError(deleteTaskUpload(db(), theirs.id, task.id, operator.id))).code).toBe("forbidden");
    expect((await appError(deleteTaskUpload(db(), mine.id, task.id, viewer.id))).code).toBe("forbidden");
    const elsewhere = await fullTask();
    expect((await appError(deleteTaskUpload(db(), mine.id, elsewhere.id, operator.id))).code).toBe("not_found");
    expect(await listTaskUploads(db(), task.id)).toHaveLength(2);
    expect(await deleteTaskUpload(db(), mine.id, task.id, operator.id)).toMatchObject({ path: "mine.txt" });
    expect(await deleteTaskUpload(db(), theirs.id, task.id, admin.id)).toMatchObject({ path: "theirs.txt" });
    expect(await listTaskUploads(db(), task.id)).toEqual([]);
    const audits = await query<{ data: { path: string } }>(
      db(),
      "select data from audit_log where kind = 'task.file_removed' and subject->>'task_id' = $1 order by seq",
      [task.id],
    );
    expect(audits.map((a) => a.data.path)).toEqual(["mine.txt", "theirs.txt"]);
  });

  it("lists the requests waiting on one task with who asked", async () => {
    const task = await fullTask();
    const otherTask = await fullTask();
    const insert = (taskId: string, expires: string) =>
      query(
        db(),
        `insert into approvals (task_id, requested_by_agent_id, action, args, digest, expires_at) values ($1, $2, 'deploy', '{"env":"prod"}', $3, ${expires})`,
        [taskId, agent.id, HASH],
      );
    await insert(task.id, "now() + interval '1 hour'");
    await insert(task.id, "now() - interval '1 second'");
    await insert(otherTask.id, "now() + interval '1 hour'");
    const waiting = await listTaskApprovals(db(), task.id);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ task_id: task.id, action: "deploy", args: { env: "prod" }, requester: "Worker", requester_type: "agent", risk: "low" });
  });

  it("reads the latest checks with each deliverable's title, and says nothing before any", async () => {
    const task = await createTask(db(), ws.id, { assigned_agent_id: agent.id, status: "assigned" });
    expect(await getTaskChecks(db(), task.id)).toBeNull();
    await query(db(), "update tasks set status = 'in_progress' where id = $1", [task.id]);
    const [d] = await query<{ id: string }>(
      db(),
      "insert into task_deliverables (task_id, type, title, url) values ($1, 'url', 'Live site', 'https://example.com/x') returning id",
      [task.id],
    );
    await query(db(), "update tasks set status = 'testing' where id = $1", [task.id]);
    await query(
      db(),
      "insert into testing_claims (task_id, holder, testing_since, expires_at) select id, 'h', status_changed_at, now() + interval '1 minute' from tasks where id = $1",
      [task.id],
    );
    const message = "The host example.com is not on the allowed hosts list.";
    const results = [{ deliverable_id: d!.id, kind: "url", ok: false, reason: "url_host_not_allowed", message, details: { host: "example.com" } }];
    expect(await finishTesting(db(), task.id, { verdict: "fail", results, holder: "h" })).toMatchObject({ changed: true });
    const checks = await getTaskChecks(db(), task.id);
    expect(checks).toMatchObject({ verdict: "fail", results: [{ reason: "url_host_not_allowed", message, title: "Live site", url: "https://example.com/x" }] });
    // The bounce-back says why.
    const [back] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'checks_fail'", [task.id]);
    expect(back!.message).toBe(`Deliverable checks failed; sent back for rework: ${message}`);
  });

  it("lets an admin alone set a workspace's allowed hosts, normalised and audited", async () => {
    expect(await getWorkspaceUrlAllowlist(db(), ws.id)).toEqual([]);
    const refused = await appError(setWorkspaceUrlAllowlist(db(), ws.id, ["example.com"], operator.id));
    expect(refused.message).toBe("Only admins change which hosts the testing stage may fetch.");
    const bad = await appError(setWorkspaceUrlAllowlist(db(), ws.id, ["https://example.com/x"], admin.id));
    expect(bad.fieldErrors).toEqual({ hosts: "Each host is a name like example.com or *.example.com" });
    expect(await getWorkspaceUrlAllowlist(db(), ws.id)).toEqual([]);
    expect(await setWorkspaceUrlAllowlist(db(), ws.id, [" Example.com ", "*.docs.example.org", "example.com"], admin.id)).toMatchObject({
      url_allowlist: ["*.docs.example.org", "example.com"],
    });
    expect(await getWorkspaceUrlAllowlist(db(), ws.id)).toEqual(["*.docs.example.org", "example.com"]);
    const [audit] = await query<{ data: { to: string[] } }>(
      db(),
      "select data from audit_log where kind = 'workspace.url_allowlist_changed' order by seq desc limit 1",
    );
    expect(audit!.data.to).toEqual(["*.docs.example.org", "example.com"]);
  });
});
