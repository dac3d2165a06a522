import { beforeAll, describe, expect, it } from "vitest";
import { createAgent, createTask, createWorkspace, query, rowCounts, unique } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// The board's forms over HTTP, as a browser without JavaScript sends them:
// quick add, moves with a place, filters in the URL, the list view, saved views.
// On PostgreSQL, where the test can set up rows directly; the SQL suites cover the embedded database.
describe("the board's find and order forms", () => {
  const app = useTestServer();
  let admin: FormClient;
  let ws: { id: string; slug: string };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
  });

  const inbox = async () =>
    (
      await query<{ title: string }>(app.db, "select title from tasks where workspace_id = $1 and status = 'inbox' order by rank, updated_at desc, id", [ws.id])
    ).map((r) => r.title);

  it("quick-adds a task at the top of Inbox and comes back to the same filtered view", async () => {
    await admin.get(`/w/${ws.slug}?q=quick`);
    expect(admin.lastHtml).toContain('id="board-search"');
    const res = await admin.post(`/w/${ws.slug}?q=quick`, { intent: "quick-add", status: "inbox", title: "  Quick one  " });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/w/${ws.slug}?q=quick`);
    expect((await inbox())[0]).toBe("Quick one");
    await admin.get(`/w/${ws.slug}?q=quick`);
    expect(admin.lastHtml).toContain("Quick one");
  });

  it("refuses a blank or misplaced quick add with the reason next to the input, creating nothing", async () => {
    const before = await rowCounts(app.db);
    await admin.get(`/w/${ws.slug}`);
    const blank = await admin.post(`/w/${ws.slug}`, { intent: "quick-add", status: "inbox", title: "   " });
    expect(blank.status).toBe(400);
    expect(admin.lastHtml).toContain("A title is required");
    await admin.get(`/w/${ws.slug}`);
    const done = await admin.post(`/w/${ws.slug}`, { intent: "quick-add", status: "done", title: "Nope" });
    expect(done.status).toBe(400);
    expect(admin.lastHtml).toContain("Quick add creates tasks in Planning or Inbox");
    expect(await rowCounts(app.db)).toEqual(before);
  });

  it("moves a card up and down its lane with the no-JS menu, and to a spot in another lane", async () => {
    const w = await createWorkspace(app.db);
    const agent = await createAgent(app.db, w.id, { name: "Ada" });
    const [a, b, c] = [
      await createTask(app.db, w.id, { title: "a" }),
      await createTask(app.db, w.id, { title: "b" }),
      await createTask(app.db, w.id, { title: "c" }),
    ];
    const lane = async (status: string) =>
      (await query<{ title: string }>(app.db, "select title from tasks where workspace_id = $1 and status = $2 order by rank, id", [w.id, status])).map(
        (r) => r.title,
      );
    expect(await lane("inbox")).toEqual(["c", "b", "a"]);
    await admin.get(`/w/${w.slug}`);
    // The menu offers Move down on c (before a: past b) and Move up on a (before b).
    expect(admin.lastHtml).toMatch(new RegExp(`<button[^>]*value="${a.id}"[^>]*name="before"[^>]*>↓ Move down`));
    expect(admin.lastHtml).toMatch(new RegExp(`<button[^>]*value="${b.id}"[^>]*name="before"[^>]*>↑ Move up`));
    const down = await admin.post(`/w/${w.slug}`, { intent: "move", taskId: c.id, status: "inbox", before: a.id });
    expect(down.status).toBe(302);
    expect(await lane("inbox")).toEqual(["b", "c", "a"]);
    await admin.get(`/w/${w.slug}`);
    await admin.post(`/w/${w.slug}`, { intent: "move", taskId: c.id, status: "inbox", before: "" });
    expect(await lane("inbox")).toEqual(["b", "a", "c"]);
    // A reorder is not a status change: no feed line.
    expect(await query(app.db, "select 1 from task_activities where task_id = $1 and type = 'status_changed'", [c.id])).toEqual([]);
    await query(app.db, "update tasks set assigned_agent_id = $2 where id = $1", [a.id, agent.id]);
    const d = await createTask(app.db, w.id, { title: "d", status: "assigned", assigned_agent_id: agent.id });
    await admin.get(`/w/${w.slug}`);
    await admin.post(`/w/${w.slug}`, { intent: "move", taskId: a.id, status: "assigned", before: d.id });
    expect(await lane("assigned")).toEqual(["a", "d"]);
    // A neighbour that is not in the target lane: a 409 next to the board, nothing moves.
    await admin.get(`/w/${w.slug}`);
    const stale = await admin.post(`/w/${w.slug}`, { intent: "move", taskId: b.id, status: "inbox", before: d.id });
    expect(stale.status).toBe(409);
    expect(admin.lastHtml).toContain("no longer in that lane");
    expect(await lane("inbox")).toEqual(["b", "c"]);
    await admin.get(`/w/${w.slug}`);
    expect((await admin.post(`/w/${w.slug}`, { intent: "move", taskId: b.id, status: "inbox", before: "nope" })).status).toBe(400);
  });

  it("filters in the URL, shows the filtered counts and chips, and refuses a bad value with a 400", async () => {
    const w = await createWorkspace(app.db);
    await createTask(app.db, w.id, { title: "Fix the login bug", labels: ["bug"], priority: "urgent" });
    await createTask(app.db, w.id, { title: "Write docs" });
    const res = await admin.get(`/w/${w.slug}?label=bug&priority=urgent`);
    expect(res.status).toBe(200);
    expect(admin.lastHtml).toContain("Fix the login bug");
    expect(admin.lastHtml).not.toContain("Write docs");
    expect(admin.lastHtml).toContain("Label: bug");
    expect(admin.lastHtml).toContain(`href="/w/${w.slug}?priority=urgent"`);
    // Empty fields from the GET form: redirected to the short link.
    const empty = await admin.get(`/w/${w.slug}?q=&label=bug&status=`);
    expect(empty.status).toBe(302);
    expect(empty.headers.get("location")).toBe(`/w/${w.slug}?label=bug`);
    const bad = await admin.get(`/w/${w.slug}?priority=huge`);
    expect(bad.status).toBe(400);
    expect(admin.lastHtml).toContain("Unknown priority");
  });

  it("shows the list view sorted and paged, with labels", async () => {
    const w = await createWorkspace(app.db);
    await createTask(app.db, w.id, { title: "Zulu", labels: ["ops"] });
    await createTask(app.db, w.id, { title: "Alpha" });
    await admin.get(`/w/${w.slug}?view=list&sort=title`);
    const html = admin.lastHtml;
    expect(html).toContain('aria-sort="ascending"');
    expect(html.indexOf(">Alpha<")).toBeLessThan(html.indexOf(">Zulu<"));
    expect(html).toContain('class="label-chip">ops<');
    await admin.get(`/w/${w.slug}?view=list&sort=title&dir=desc`);
    expect(admin.lastHtml.indexOf(">Zulu<")).toBeLessThan(admin.lastHtml.indexOf(">Alpha<"));
  });

  it("saves, lists and deletes a user's own views; a viewer keeps their own too", async () => {
    const w = await createWorkspace(app.db);
    await admin.get(`/w/${w.slug}?label=bug&view=list`);
    const saved = await admin.post(`/w/${w.slug}?label=bug&view=list&page=2`, { intent: "save-view", name: "Bugs" });
    expect(saved.status).toBe(302);
    const [view] = await query<{ id: string; query: string }>(app.db, "select id, query from saved_views where workspace_id = $1", [w.id]);
    expect(view!.query).toBe("?label=bug&view=list");
    await admin.get(`/w/${w.slug}`);
    expect(admin.lastHtml).toContain(`href="/w/${w.slug}?label=bug&amp;view=list"`);
    const viewer = await app.signIn({ email: `${unique("v")}@example.test`, name: "Vera", role: "viewer" });
    await viewer.get(`/w/${w.slug}`);
    expect(viewer.lastHtml).not.toContain(">Bugs<");
    expect((await viewer.post(`/w/${w.slug}`, { intent: "delete-view", viewId: view!.id })).status).toBe(404);
    expect((await viewer.post(`/w/${w.slug}?due=today`, { intent: "save-view", name: "Today" })).status).toBe(302);
    await viewer.get(`/w/${w.slug}`);
    expect((await viewer.post(`/w/${w.slug}`, { intent: "quick-add", status: "inbox", title: "x" })).status).toBe(403);
    await admin.get(`/w/${w.slug}`);
    expect((await admin.post(`/w/${w.slug}`, { intent: "save-view", name: "" })).status).toBe(400);
    await admin.get(`/w/${w.slug}`);
    expect((await admin.post(`/w/${w.slug}`, { intent: "delete-view", viewId: view!.id })).status).toBe(302);
    expect(await query(app.db, "select name from saved_views where workspace_id = $1", [w.id])).toEqual([{ name: "Today" }]);
  });

  it("sets labels in the task form and shows them on the task page", async () => {
    await admin.get(`/w/${ws.slug}/tasks/new`);
    const res = await admin.post(`/w/${ws.slug}/tasks/new`, { title: "Labelled", labels: "Bug, Needs Review", priority: "normal" });
    expect(res.status).toBe(302);
    const [row] = await query<{ labels: string[] }>(app.db, "select labels from tasks where title = 'Labelled'");
    expect(row!.labels).toEqual(["bug", "needs review"]);
    await admin.get(res.headers.get("location")!);
    expect(admin.lastHtml).toContain('data-testid="task-labels"');
    const bad = await admin.post(`/w/${ws.slug}/tasks/new`, { title: "Too many", labels: Array.from({ length: 11 }, (_, i) => `l${i}`).join(",") });
    expect(bad.status).toBe(400);
    expect(admin.lastHtml).toContain("At most 10 labels");
  });
});
