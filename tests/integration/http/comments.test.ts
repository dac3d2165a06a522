import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Comments over HTTP (decision 045): the task page's plain forms (no
// JavaScript: POST and redirect, with the CSRF token), Markdown shown inert,
// an unknown mention refused by name with nothing written, another's comment
// refused, and the agent API's comment endpoints with bad input.
describe("comments over HTTP", () => {
  const app = useTestServer();
  let admin: FormClient;
  let bob: FormClient;
  let ws: { id: string; slug: string };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) select 'bob@comments.test', 'Bob Builder', 'operator', password_hash from users where role = 'admin'",
      ),
    );
    bob = new FormClient(app.url);
    await bob.get("/login");
    expect((await bob.post("/login", { email: "bob@comments.test", password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    ws = await createWorkspace(app.db);
  });

  const page = (id: string) => `/w/${ws.slug}/tasks/${id}`;
  const post = async (client: FormClient, id: string, fields: Record<string, string>) => {
    await client.get(page(id));
    return client.post(page(id), fields);
  };
  const comments = (taskId: string) =>
    query<{ id: string; body: string; deleted_at: string | null }>(
      app.db,
      "select id, body, deleted_at from task_comments where task_id = $1 order by created_at",
      [taskId],
    );

  it("posts, shows inert Markdown with its mentions, edits with history, refuses bad input and others, and deletes to a tombstone", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Page Scout", openclaw_agent_id: "scout" });
    const task = await createTask(app.db, ws.id, { title: "Commented", status: "assigned", assigned_agent_id: agent.id });
    const body = "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) @page-scout and @bob";
    const posted = await post(admin, task.id, { intent: "comment", body });
    expect(posted.status).toBe(302);
    const [comment] = await comments(task.id);
    expect(posted.headers.get("location")).toBe(`${page(task.id)}#comment-${comment!.id}`);
    await admin.get(page(task.id));
    const html = admin.lastHtml;
    expect(html).toContain("<strong>Bold</strong>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain('href="javascript:');
    // The task is not running: the agent gets the comment with its next dispatch; Bob is notified.
    expect(html).toContain('data-mention="page-scout" data-delivery="queued"');
    expect(html).toContain('data-mention="bob" data-delivery="notified"');
    const [event] = await query<{ payload: { user_id: string } }>(app.db, "select payload from events where type = 'comment.mentioned' and task_id = $1", [
      task.id,
    ]);
    expect(event!.payload.user_id).toBeTruthy();

    // Bad input: 400 with the reason, nothing written.
    const before = await query(app.db, "select count(*)::int as n from task_comments");
    for (const [fields, words] of [
      [{ intent: "comment", body: "ask @nobody" }, "No agent or user is called @nobody."],
      [{ intent: "comment", body: "   " }, "Write a comment"],
      [{ intent: "comment", body: "x".repeat(10_001) }, "At most 10,000 characters"],
    ] as const) {
      const res = await post(admin, task.id, fields);
      expect(res.status, fields.body.slice(0, 20)).toBe(400);
      expect(await res.text()).toContain(words);
    }
    expect(await query(app.db, "select count(*)::int as n from task_comments")).toEqual(before);

    // Editing: ?comment= opens the form without JavaScript; the old text is kept.
    await admin.get(`${page(task.id)}?comment=${comment!.id}`);
    expect(admin.lastHtml).toContain('aria-label="Edit comment"');
    expect((await admin.post(page(task.id), { intent: "comment-edit", comment_id: comment!.id, body: "Second *thoughts*" })).status).toBe(302);
    await admin.get(page(task.id));
    expect(admin.lastHtml).toContain("Second <em>thoughts</em>");
    expect(admin.lastHtml).toContain("Edited · 1 earlier version");

    // Someone else's comment: 403, unchanged.
    expect((await post(bob, task.id, { intent: "comment-edit", comment_id: comment!.id, body: "Bob's now" })).status).toBe(403);
    expect((await post(bob, task.id, { intent: "comment-delete", comment_id: comment!.id })).status).toBe(403);
    expect((await comments(task.id))[0]!.body).toBe("Second *thoughts*");

    // A task of another workspace cannot be commented on through this one's page.
    const otherWs = await createWorkspace(app.db);
    const foreign = await createTask(app.db, otherWs.id, { title: "Foreign" });
    await admin.get(page(task.id));
    expect((await admin.post(page(foreign.id), { intent: "comment", body: "sneaky" })).status).toBe(404);
    expect(await comments(foreign.id)).toEqual([]);

    expect((await post(admin, task.id, { intent: "comment-delete", comment_id: comment!.id })).status).toBe(302);
    await admin.get(page(task.id));
    expect(admin.lastHtml).toContain('data-testid="comment-deleted"');
    expect(admin.lastHtml).not.toContain("Second <em>thoughts</em>");
  });

  it("lets an agent post a reply, edit and delete its own comments, and refuses bad bodies and others' comments", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Replier" });
    const other = await createAgentWithToken(app.db, ws.id, { name: "Stranger" });
    const task = await createTask(app.db, ws.id, { title: "Agent comments", status: "assigned", assigned_agent_id: agent.id });
    await post(admin, task.id, { intent: "comment", body: "@replier what did you find?" });
    const [question] = await comments(task.id);
    const call = (token: string, method: string, path: string, body?: unknown) =>
      fetch(`${app.url}/api/agent/tasks/${task.id}/comments${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    const created = await call(agent.token, "POST", "", { body: "Found **three** sources.", in_reply_to: question!.id });
    expect(created.status).toBe(201);
    const { comment } = (await created.json()) as { comment: { id: string; in_reply_to: string; author: { type: string } } };
    expect(comment).toMatchObject({ in_reply_to: question!.id, author: { type: "agent" } });
    const listed = (await (await call(agent.token, "GET", "")).json()) as { comments: Array<{ id: string }> };
    expect(listed.comments.map((c) => c.id)).toEqual([question!.id, comment.id]);

    const edited = await call(agent.token, "PATCH", `/${comment.id}`, { body: "Found four sources." });
    expect(edited.status).toBe(200);
    expect((await comments(task.id))[1]!.body).toBe("Found four sources.");

    const before = await query(app.db, "select (select count(*)::int from task_comments) c, (select count(*)::int from task_comment_revisions) r");
    for (const [method, path, body, status] of [
      ["POST", "", { body: "" }, 400],
      ["POST", "", { body: "x".repeat(10_001) }, 400],
      ["POST", "", { body: "hi", extra: 1 }, 400],
      ["POST", "", "{not json", 400],
      ["POST", "", { body: "ping @nobody-here" }, 400],
      ["POST", "", { body: "hi", in_reply_to: "nope" }, 400],
      ["PATCH", `/${question!.id}`, { body: "not mine" }, 403],
      ["PATCH", "/not-an-id", { body: "x" }, 404],
      ["DELETE", `/${question!.id}`, undefined, 403],
    ] as const) {
      const res = await call(agent.token, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
    }
    const unknown = await call(agent.token, "POST", "", { body: "ping @nobody-here" });
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe("No agent or user is called @nobody-here.");
    expect((await call(other.token, "POST", "", { body: "not my task" })).status).toBe(404);
    expect(await query(app.db, "select (select count(*)::int from task_comments) c, (select count(*)::int from task_comment_revisions) r")).toEqual(before);

    expect((await call(agent.token, "DELETE", `/${comment.id}`)).status).toBe(200);
    expect((await comments(task.id))[1]!.deleted_at).not.toBeNull();
  });
});
