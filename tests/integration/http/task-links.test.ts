import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Dependencies and subtasks over HTTP (decision 044): the task page's plain
// forms (a task named by its pasted address), the cycle refused with its chain
// and nothing written, a viewer refused, a subtask created from its parent's
// page, and the agent API's two endpoints with bad input.
describe("task links over HTTP", () => {
  const app = useTestServer();
  let admin: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) select 'viewer@links.test', 'Vic Viewer', 'viewer', password_hash from users where role = 'admin'",
      ),
    );
    viewer = new FormClient(app.url);
    await viewer.get("/login");
    expect((await viewer.post("/login", { email: "viewer@links.test", password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    ws = await createWorkspace(app.db);
  });

  const page = (id: string) => `/w/${ws.slug}/tasks/${id}`;
  const post = async (client: FormClient, id: string, fields: Record<string, string>) => {
    await client.get(page(id));
    return client.post(page(id), fields);
  };
  const links = (id: string) => query<{ blocked_by_id: string }>(app.db, "select blocked_by_id from task_dependencies where task_id = $1", [id]);

  it("links a task by its pasted address, shows it blocked, refuses a cycle with its chain, and removes the link", async () => {
    const spec = await createTask(app.db, ws.id, { title: "Spec" });
    const build = await createTask(app.db, ws.id, { title: "Build" });
    const added = await post(admin, build.id, { intent: "add-blocker", blocked_by: `${app.url}${page(spec.id)}` });
    expect(added.status).toBe(302);
    expect(await links(build.id)).toEqual([{ blocked_by_id: spec.id }]);
    await admin.get(page(build.id));
    expect(admin.lastHtml).toContain('data-testid="blocked-note"');
    expect(admin.lastHtml).toContain(`data-blocker="${spec.id}"`);
    await admin.get(`/w/${ws.slug}`);
    expect(admin.lastHtml).toContain('data-testid="card-blocked"');

    const cycle = await post(admin, spec.id, { intent: "add-blocker", blocked_by: build.id });
    expect(cycle.status).toBe(409);
    expect(await cycle.text()).toContain("That would make a cycle: Spec → Build → Spec.");
    expect(await links(spec.id)).toEqual([]);

    for (const bad of ["", "not a task", "00000000-0000-4000-8000-000000000000"]) {
      const res = await post(admin, spec.id, { intent: "add-blocker", blocked_by: bad });
      expect(res.status, bad).toBe(400);
    }
    expect(await links(spec.id)).toEqual([]);

    expect((await post(viewer, build.id, { intent: "remove-blocker", blocked_by: spec.id })).status).toBe(403);
    expect(await links(build.id)).toHaveLength(1);
    expect((await post(admin, build.id, { intent: "remove-blocker", blocked_by: spec.id })).status).toBe(302);
    expect(await links(build.id)).toEqual([]);
  });

  it("creates a subtask from its parent's page and shows the parent's progress", async () => {
    const parent = await createTask(app.db, ws.id, { title: "Launch" });
    await admin.get(`/w/${ws.slug}/tasks/new?parent=${parent.id}`);
    expect(admin.lastHtml).toContain('data-testid="subtask-of"');
    const created = await admin.post(`/w/${ws.slug}/tasks/new?parent=${parent.id}`, { title: "Write the docs", parent_id: parent.id });
    expect(created.status).toBe(302);
    const [child] = await query<{ id: string }>(app.db, "select id from tasks where parent_id = $1", [parent.id]);
    await admin.get(page(parent.id));
    expect(admin.lastHtml).toContain("0 of 1 done");
    expect(admin.lastHtml).toContain(page(child!.id));
    // A loop through the parent is refused, nothing changes.
    const loop = await post(admin, parent.id, { intent: "set-parent", parent_id: child!.id });
    expect(loop.status).toBe(409);
    expect((await query<{ parent_id: string | null }>(app.db, "select parent_id from tasks where id = $1", [parent.id]))[0]!.parent_id).toBeNull();
  });

  it("lets an agent add a dependency and a subtask to its own task, refusing bad bodies and others' tasks", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Linker" });
    const other = await createAgentWithToken(app.db, ws.id, { name: "Other" });
    const mine = await createTask(app.db, ws.id, { title: "Agent task", status: "assigned", assigned_agent_id: agent.id });
    const blocker = await createTask(app.db, ws.id, { title: "Agent blocker" });
    const call = (token: string, path: string, body: unknown) =>
      fetch(`${app.url}/api/agent/tasks/${mine.id}/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const dep = await call(agent.token, "dependencies", { blocked_by: blocker.id });
    expect(dep.status).toBe(201);
    expect(((await dep.json()) as { links: { blocked: boolean } }).links.blocked).toBe(true);
    const sub = await call(agent.token, "subtasks", { title: "Split off" });
    expect(sub.status).toBe(201);
    const read = (await (await fetch(`${app.url}/api/agent/tasks/${mine.id}`, { headers: { authorization: `Bearer ${agent.token}` } })).json()) as {
      task: { links: { subtasks: Array<{ title: string }>; blocked_by: Array<{ id: string }> } };
    };
    expect(read.task.links.subtasks.map((s) => s.title)).toEqual(["Split off"]);
    expect(read.task.links.blocked_by.map((b) => b.id)).toEqual([blocker.id]);

    const before = await query(app.db, "select count(*)::int as n from tasks");
    for (const [path, body, status] of [
      ["dependencies", { blocked_by: "nope" }, 400],
      ["dependencies", { blocked_by: blocker.id, extra: 1 }, 400],
      ["dependencies", "{not json", 400],
      ["dependencies", { blocked_by: mine.id }, 400],
      ["subtasks", { title: "" }, 400],
      ["subtasks", { title: "x".repeat(501) }, 400],
    ] as const) {
      expect((await call(agent.token, path, body)).status, `${path} ${JSON.stringify(body)}`).toBe(status);
    }
    expect((await call(other.token, "subtasks", { title: "Not mine" })).status).toBe(404);
    expect(await query(app.db, "select count(*)::int as n from tasks")).toEqual(before);
  });
});
