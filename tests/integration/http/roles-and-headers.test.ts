import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

type Role = "viewer" | "operator" | "approver" | "admin";
const ROLES: Role[] = ["viewer", "operator", "approver", "admin"];
const rank = (r: Role) => ROLES.indexOf(r);

// Every page and every form, for every role: the server decides, whatever the
// page shows. Reads need viewer (some need more), writes need operator, user
// management needs admin; a refusal is a 403 and writes nothing.
describe("roles × routes", () => {
  const app = useTestServer({ env: { PUBLIC_URL: "https://mc.example.test", COOKIE_SECURE: "0" } });
  const clients = {} as Record<Role, FormClient>;
  let slug: string;
  let taskId: string;
  let agentId: string;
  let userId: string;

  beforeAll(async () => {
    clients.admin = await app.setUpAdmin();
    for (const role of ["viewer", "operator", "approver"] as const) {
      await app.db.session((s) =>
        s.query("insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [
          `${role}@example.test`,
          role,
          role,
        ]),
      );
      const client = new FormClient(app.url);
      await client.get("/login");
      const res = await client.post("/login", { email: `${role}@example.test`, password: TEST_ADMIN.password, redirectTo: "/" });
      expect(res.status).toBe(302);
      clients[role] = client;
    }
    const ws = await createWorkspace(app.db);
    slug = ws.slug;
    agentId = (await createAgentWithToken(app.db, ws.id, { name: "Matrix" })).id;
    taskId = (await createTask(app.db, ws.id, { title: "Matrix task" })).id;
    userId = (await app.db.session((s) => s.query<{ id: string }>("select id from users where role = 'viewer'")))[0]!.id;
  });

  const pages = (): Array<[string, Role]> => [
    ["/", "viewer"],
    ["/heartbeat", "viewer"],
    [`/w/${slug}`, "viewer"],
    [`/w/${slug}/feed`, "viewer"],
    [`/w/${slug}/agents`, "viewer"],
    [`/w/${slug}/agents/${agentId}`, "viewer"],
    [`/w/${slug}/tasks/${taskId}`, "viewer"],
    ["/costs", "viewer"],
    [`/w/${slug}/costs`, "viewer"],
    [`/w/${slug}/costs?days=90`, "viewer"],
    [`/w/${slug}/analytics`, "viewer"],
    [`/w/${slug}/analytics?days=nonsense`, "viewer"],
    [`/w/${slug}/tasks/new`, "operator"],
    [`/w/${slug}/settings`, "operator"],
    ["/admin/users", "admin"],
  ];

  it("lets each role read exactly the pages its rank allows", async () => {
    for (const role of ROLES) {
      for (const [path, needed] of pages()) {
        const res = await clients[role].get(path);
        expect(res.status, `${role} GET ${path}`).toBe(rank(role) >= rank(needed) ? 200 : 403);
      }
    }
  });

  // Forms whose refusal must be a 403 for roles below the one named; each
  // body is valid, so an allowed role gets past authorisation.
  const forms = (): Array<[string, Record<string, string>, Role]> => [
    ["/?index", { name: "x", icon: "", slug: "" }, "operator"],
    [`/w/${slug}/tasks/new`, { title: "role test" }, "operator"],
    [
      `/w/${slug}/tasks/${taskId}`,
      { intent: "update", title: "Matrix task", description: "", priority: "normal", assigned_agent_id: "", due_at: "" },
      "operator",
    ],
    [`/w/${slug}/agents`, { intent: "create", name: "x" }, "operator"],
    [`/w/${slug}/agents/${agentId}`, { intent: "update", name: "Matrix" }, "operator"],
    [`/w/${slug}/settings`, { intent: "rename", name: slug, icon: "" }, "operator"],
    ["/heartbeat", {}, "operator"],
    ["/admin/users", { intent: "sign-out", user_id: userId }, "admin"],
  ];

  it("refuses every write below its role with 403, and writes nothing", async () => {
    const count = async () => Number((await app.db.session((s) => s.query<{ n: string }>("select count(*) as n from events")))[0]!.n);
    for (const role of ROLES) {
      for (const [path, fields, needed] of forms()) {
        if (rank(role) >= rank(needed)) continue;
        const page = path.replace("?index", "");
        await clients[role].get(
          rank(role) >= rank("viewer") && page !== `/w/${slug}/tasks/new` && page !== `/w/${slug}/settings` && page !== "/admin/users" ? page : "/",
        );
        const before = await count();
        const res = await clients[role].post(path, fields);
        expect(res.status, `${role} POST ${path}`).toBe(403);
        expect(await count(), `${role} POST ${path} wrote nothing`).toBe(before);
      }
    }
  });

  it("lets each allowed role through", async () => {
    for (const role of ROLES) {
      for (const [path, fields, needed] of forms()) {
        if (rank(role) < rank(needed)) continue;
        await clients[role].get(path.replace("?index", "") === "/" ? "/" : path.replace("?index", ""));
        const res = await clients[role].post(path, {
          ...fields,
          ...(fields.name === "x" ? { name: `${role}-${Math.random().toString(36).slice(2, 8)}` } : {}),
        });
        expect([200, 201, 302], `${role} POST ${path} → ${res.status}`).toContain(res.status);
        // Signing the viewer out everywhere ends their session: sign them back in.
        if (path === "/admin/users") {
          await clients.viewer.get("/login");
          await clients.viewer.post("/login", { email: "viewer@example.test", password: TEST_ADMIN.password, redirectTo: "/" });
        }
      }
    }
  });

  it("sends a nonce-based CSP on documents, HSTS over https, and no X-Powered-By", async () => {
    const res = await clients.admin.get("/");
    const csp = res.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("unsafe-inline");
    const scripts = [...clients.admin.lastHtml.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    // Inline scripts carry the nonce; a script file comes from the app's own hashed assets ('self').
    for (const attrs of scripts) {
      if (/\bsrc=/.test(attrs)) expect(attrs).toMatch(/\bsrc="\/assets\/[\w.-]+\.js"/);
      else expect(attrs).toContain(`nonce="${nonce}"`);
    }
    const again = await clients.admin.get("/");
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("x-powered-by")).toBeNull();
    const api = await fetch(`${app.url}/api/health`);
    expect(api.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

describe("user management", () => {
  const app = useTestServer();
  let admin: FormClient;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
  });

  const userId = async (email: string) => (await app.db.session((s) => s.query<{ id: string }>("select id from users where email = $1", [email])))[0]!.id;

  it("adds users with roles, validates input, and refuses duplicates", async () => {
    await admin.get("/admin/users");
    expect(
      (await admin.post("/admin/users", { intent: "create", name: "Olive", email: "olive@example.test", role: "operator", password: "short" })).status,
    ).toBe(400);
    expect(admin.lastHtml).toContain("Use at least 12 characters");
    expect(
      (await admin.post("/admin/users", { intent: "create", name: "Olive", email: "olive@example.test", role: "operator", password: "long enough password" }))
        .status,
    ).toBe(302);
    await admin.get("/admin/users");
    expect(
      (await admin.post("/admin/users", { intent: "create", name: "Olive", email: "OLIVE@example.test", role: "viewer", password: "long enough password" }))
        .status,
    ).toBe(409);
    const olive = new FormClient(app.url);
    await olive.get("/login");
    expect((await olive.post("/login", { email: "olive@example.test", password: "long enough password", redirectTo: "/" })).status).toBe(302);
  });

  it("keeps one active admin and never lets an admin lock themselves out", async () => {
    const me = await userId(TEST_ADMIN.email);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "role", user_id: me, role: "viewer" })).status).toBe(403);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "disable", user_id: me })).status).toBe(403);
    const olive = await userId("olive@example.test");
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "role", user_id: olive, role: "admin" })).status).toBe(302);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "role", user_id: olive, role: "viewer" })).status).toBe(302);
  });

  it("disabling a user or signing them out everywhere ends their sessions at once", async () => {
    const olive = new FormClient(app.url);
    await olive.get("/login");
    await olive.post("/login", { email: "olive@example.test", password: "long enough password", redirectTo: "/" });
    expect((await olive.get("/")).status).toBe(200);
    await admin.get("/admin/users");
    const signOut = await admin.post("/admin/users", { intent: "sign-out", user_id: await userId("olive@example.test") });
    expect(signOut.status, admin.lastHtml.slice(0, 300)).toBe(302);
    const after = await olive.get("/");
    expect(after.status, `after sign-out: ${after.headers.get("location")}`).toBe(302);
    await olive.get("/login");
    await olive.post("/login", { email: "olive@example.test", password: "long enough password", redirectTo: "/" });
    await admin.get("/admin/users");
    const disabled = await admin.post("/admin/users", { intent: "disable", user_id: await userId("olive@example.test") });
    expect(disabled.headers.get("location")).toBe("/admin/users");
    expect((await olive.get("/")).status).toBe(302);
    await olive.get("/login");
    expect((await olive.post("/login", { email: "olive@example.test", password: "long enough password", redirectTo: "/" })).status).toBe(401);
  });

  it("resets a password and ends the old sessions", async () => {
    const id = await userId("olive@example.test");
    await admin.get("/admin/users");
    await admin.post("/admin/users", { intent: "enable", user_id: id });
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "password", user_id: id, password: "a brand new password" })).status).toBe(302);
    const olive = new FormClient(app.url);
    await olive.get("/login");
    expect((await olive.post("/login", { email: "olive@example.test", password: "long enough password", redirectTo: "/" })).status).toBe(401);
    await olive.get("/login");
    expect((await olive.post("/login", { email: "olive@example.test", password: "a brand new password", redirectTo: "/" })).status).toBe(302);
  });
});
