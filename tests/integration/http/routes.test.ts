import { beforeAll, describe, expect, it } from "vitest";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Routes over real HTTP, on the built bundle and a real PostgreSQL database:
// auth, CSRF, roles, validation, 404/405/409, and that a refused write leaves
// nothing behind.
describe("routes on PostgreSQL", () => {
  const app = useTestServer({ env: { LOGIN_MAX_FAILURES: "3" } });
  let admin: FormClient;
  let agentId: string;

  const count = async (table: string) => Number((await app.db.session((s) => s.query<{ n: string }>(`select count(*) as n from ${table}`)))[0]!.n);

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Routes", icon: "🧭", slug: "routes" })).status).toBe(302);
    await admin.get("/w/routes/agents");
    const agent = await admin.post("/w/routes/agents", {
      intent: "create",
      name: "Rover",
      role: "",
      emoji: "",
      model: "",
      openclaw_agent_id: "main",
      status: "standby",
    });
    expect(agent.status).toBe(201);
    expect(admin.lastHtml).toMatch(/mca_[A-Za-z0-9_-]{43}/);
    agentId = (await app.db.session((s) => s.query<{ id: string }>("select id from agents")))[0]!.id;
  });

  it("redirects signed-out visitors to the login page", async () => {
    const anon = new FormClient(app.url);
    const res = await anon.get("/w/routes");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fw%2Froutes");
  });

  it("answers 404 for unknown pages, workspaces, tasks and malformed ids", async () => {
    for (const path of [
      "/nowhere",
      "/w/unknown",
      "/w/routes/tasks/not-a-uuid",
      "/w/routes/tasks/00000000-0000-4000-8000-000000000000",
      "/w/routes/agents/123",
    ]) {
      const res = await admin.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toMatch(/at .*\.js:\d+/);
    }
  });

  it("keeps the workspace's header and tabs around a 404 inside it; an unknown workspace is a 404 with none", async () => {
    const missing = await admin.get("/w/routes/tasks/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(admin.lastHtml).toContain('aria-label="Workspace"');
    expect(admin.lastHtml).toContain('href="/w/routes/agents"');
    expect(admin.lastHtml).toContain("Task not found.");
    expect(admin.lastHtml).toContain('aria-label="Workspaces"');
    // A refused data request from a client-side navigation is the same 404.
    expect((await admin.get("/w/routes/tasks/00000000-0000-4000-8000-000000000000.data")).status).toBe(404);

    for (const path of ["/w/unknown", "/w/unknown/tasks/00000000-0000-4000-8000-000000000000", "/w/Not_A_Slug/agents"]) {
      const res = await admin.get(path);
      expect(res.status, path).toBe(404);
      expect(admin.lastHtml, path).toContain("Workspace not found.");
      expect(admin.lastHtml, path).not.toContain('aria-label="Workspace"');
    }
    // The file routes under a workspace share its middleware: an unknown workspace is a 404 there too.
    expect((await admin.get("/w/unknown/tasks/00000000-0000-4000-8000-000000000000/files/a.txt")).status).toBe(404);
  });

  it("answers 405 to a method a route does not take, with Allow", async () => {
    const health = await fetch(`${app.url}/api/health`, { method: "POST" });
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toBe("GET, HEAD");
    await admin.get("/w/routes/feed");
    const feed = await admin.post("/w/routes/feed", {});
    expect(feed.status).toBe(405);
    expect(feed.headers.get("allow")).toBe("GET, HEAD");
    // OPTIONS (once a 500) and PUT or DELETE (once run as the page's action) on pages, signed in or not.
    for (const [method, path, allow] of [
      ["OPTIONS", "/login", "GET, HEAD, POST"],
      ["OPTIONS", "/w/routes", "GET, HEAD, POST"],
      ["PUT", "/w/routes/tasks/new", "GET, HEAD, POST"],
      ["DELETE", "/w/routes/settings", "GET, HEAD, POST"],
      ["PATCH", "/w/routes/feed.data", "GET, HEAD"],
    ] as const) {
      const before = await count("events");
      const res = await admin.request(path, {
        method,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `csrf=${encodeURIComponent(admin.csrf())}&intent=delete`,
      });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(await count("events")).toBe(before);
    }
  });

  it("refuses a multipart post it cannot read with 400, signed out too", async () => {
    const anon = new FormClient(app.url);
    await anon.get("/login");
    for (const type of ["multipart/form-data", "multipart/form-data; boundary=nothing-like-the-body"]) {
      const res = await anon.request("/login", { method: "POST", headers: { "content-type": type }, body: "email=a&password=b" });
      expect(res.status, type).toBe(400);
      expect(await res.text()).toMatch(/could not be read/);
    }
  });

  it("refuses a NUL character in any field or query parameter with 400, writing nothing", async () => {
    const before = await count("tasks");
    await admin.get("/w/routes/tasks/new");
    const res = await admin.post("/w/routes/tasks/new", { title: "a\u0000b" });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/"title" contains a NUL character/);
    expect((await admin.get("/w/routes/feed?kind=%00")).status).toBe(400);
    expect(await count("tasks")).toBe(before);
  });

  it("refuses a form without its CSRF token, and non-form bodies", async () => {
    const before = await count("tasks");
    const noToken = await admin.post("/w/routes/tasks/new", { title: "forged" }, { csrf: false });
    expect(noToken.status).toBe(403);
    const plain = await admin.request("/w/routes/tasks/new", { method: "POST", headers: { "content-type": "text/plain" }, body: "title=forged" });
    expect(plain.status).toBe(415);
    expect(await count("tasks")).toBe(before);
  });

  it("returns 400 with field errors and writes nothing for invalid tasks", async () => {
    const before = { tasks: await count("tasks"), events: await count("events") };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ title: "" }, /A title is required/],
      [{ title: "x".repeat(501) }, /At most 500 characters/],
      [{ title: "ok", description: "d".repeat(10_001) }, /At most 10,000 characters/],
      [{ title: "ok", priority: "critical" }, /Choose a priority/],
      [{ title: "ok", assigned_agent_id: "nope" }, /Choose an agent from the list/],
      [{ title: "ok", due_at: "tomorrow" }, /Use a date like 2026-12-31/],
      [{ title: "ok", status: "done" }, /New tasks start in planning, inbox or assigned/],
      [{ title: "ok", updated_by_agent_id: "11111111-1111-4111-8111-111111111111" }, /Unknown field\(s\): updated_by_agent_id/],
      [{ title: "<script>alert(1)</script>", status: "assigned" }, /Choose an agent to assign the task to/],
    ];
    for (const [fields, message] of cases) {
      await admin.get("/w/routes/tasks/new");
      const res = await admin.post("/w/routes/tasks/new", fields);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(400);
      const html = await res.text();
      expect(html).toMatch(message);
      if (!("updated_by_agent_id" in fields)) expect(html).toContain('aria-invalid="true"');
      expect(html).not.toContain("<script>alert(1)</script>");
    }
    expect({ tasks: await count("tasks"), events: await count("events") }).toEqual(before);
  });

  it("moves tasks only along legal transitions, with a 409 naming the allowed ones", async () => {
    await admin.get("/w/routes/tasks/new");
    const created = await admin.post("/w/routes/tasks/new", { title: "Walk the path", assigned_agent_id: agentId });
    const taskId = created.headers.get("location")!.split("/").pop()!;
    await admin.get("/w/routes");
    const illegal = await admin.post("/w/routes?index", { intent: "move", taskId, status: "done" });
    expect(illegal.status).toBe(409);
    expect(await illegal.text()).toContain("A task in Inbox cannot move to Done. Allowed: Planning, Assigned, Cancelled.");
    for (const status of ["assigned", "in_progress", "testing", "review", "done"]) {
      await admin.get("/w/routes");
      const res = await admin.post("/w/routes?index", { intent: "move", taskId, status });
      expect(res.status, status).toBe(302);
    }
    const rows = await app.db.session((s) => s.query<{ status: string }>("select status from tasks where id = $1", [taskId]));
    expect(rows[0]!.status).toBe("done");
    const history = await app.db.session((s) =>
      s.query<{ message: string }>("select message from task_activities where task_id = $1 and type = 'status_changed' order by created_at", [taskId]),
    );
    expect(history.map((h) => h.message)).toEqual([
      "Moved from Inbox to Assigned",
      "Moved from Assigned to In progress",
      "Moved from In progress to Testing",
      "Moved from Testing to Review",
      "Moved from Review to Done",
    ]);
  });

  it("refuses writes from a viewer and reads for nobody else's session", async () => {
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) values ('viewer@example.test', 'Vic Viewer', 'viewer', (select password_hash from users where role = 'admin'))",
      ),
    );
    const viewer = new FormClient(app.url);
    await viewer.get("/login");
    const login = await viewer.post("/login", { email: "viewer@example.test", password: TEST_ADMIN.password, redirectTo: "/" });
    expect(login.status).toBe(302);
    expect((await viewer.get("/w/routes")).status).toBe(200);
    expect(viewer.lastHtml).not.toContain("New task");
    const before = await count("tasks");
    const res = await viewer.post("/w/routes/tasks/new", { title: "sneaky" });
    expect(res.status).toBe(403);
    expect(await count("tasks")).toBe(before);
  });

  it("rotates the session on login and ends it on logout", async () => {
    const client = new FormClient(app.url);
    await client.get("/login");
    const first = await client.post("/login", { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "/" });
    const firstCookie = client.cookies.get("mc_session");
    expect(first.status).toBe(302);
    await client.get("/login?redirectTo=/");
    await client.get("/");
    const out = await client.post("/logout", {});
    expect(out.status).toBe(302);
    expect(client.cookies.has("mc_session")).toBe(false);
    // The old cookie no longer works even if replayed.
    const replay = new FormClient(app.url);
    replay.cookies.set("mc_session", firstCookie!);
    expect((await replay.get("/")).status).toBe(302);
  });

  it("locks an account out after repeated failures with 429 and Retry-After", async () => {
    const client = new FormClient(app.url);
    for (let i = 0; i < 3; i++) {
      await client.get("/login");
      expect((await client.post("/login", { email: "nobody@example.test", password: "wrong", redirectTo: "/" })).status).toBe(401);
    }
    await client.get("/login");
    const locked = await client.post("/login", { email: "nobody@example.test", password: "wrong", redirectTo: "/" });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not open redirects after login", async () => {
    const client = new FormClient(app.url);
    await client.get("/login");
    const res = await client.post("/login", { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "//evil.example/x" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
  });

  it("encodes a redirect target a Location header cannot carry, and signs in once", async () => {
    const client = new FormClient(app.url);
    await client.get("/login?redirectTo=%2Fw%2Froutes%3Fq%3D%E2%86%92");
    expect(client.lastHtml).toContain('value="/w/routes?q=%E2%86%92"');
    const sessions = await count("sessions");
    const res = await client.post("/login", { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "/w/routes?q=\u2192 caf\u00e9" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/w/routes?q=%E2%86%92%20caf%C3%A9");
    expect(await count("sessions")).toBe(sessions + 1);
    // Signed in, the login page sends the same target on.
    const again = await client.get("/login?redirectTo=%2F%E2%86%92");
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/%E2%86%92");
  });

  it("refuses to delete a workspace that still has tasks or agents", async () => {
    await admin.get("/w/routes/settings");
    const res = await admin.post("/w/routes/settings", { intent: "delete" });
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/still has \d+ task\(s\) and 1 agent\(s\)/);
    expect(await count("workspaces")).toBe(1);
  });
});
