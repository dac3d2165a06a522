import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// The frame every page shares, on the server-rendered HTML (what a browser
// without JavaScript gets): a title, one h1, a skip link to the main content,
// the app's header around error pages, and no controls a viewer cannot use.
describe("page chrome", () => {
  const app = useTestServer();
  let admin: FormClient;
  let viewer: FormClient;
  let slug: string;
  let taskId: string;
  let agentId: string;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) select 'viewer@example.test', 'Vera Viewer', 'viewer', password_hash from users where role = 'admin'",
      ),
    );
    viewer = new FormClient(app.url);
    await viewer.get("/login");
    expect((await viewer.post("/login", { email: "viewer@example.test", password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    const ws = await createWorkspace(app.db, { name: "Chrome works" });
    slug = ws.slug;
    agentId = (await createAgentWithToken(app.db, ws.id, { name: "Framer" })).id;
    taskId = (await createTask(app.db, ws.id, { title: "Frame the pages" })).id;
  });

  const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
  const h1s = (html: string) => html.match(/<h1[\s>]/g)?.length ?? 0;

  it("gives every page a title, exactly one h1 and a skip link to its main element", async () => {
    const pages = [
      "/",
      "/approvals",
      "/costs",
      "/heartbeat",
      "/admin/users",
      "/admin/audit",
      "/settings",
      `/w/${slug}`,
      `/w/${slug}/feed`,
      `/w/${slug}/agents`,
      `/w/${slug}/agents/${agentId}`,
      `/w/${slug}/costs`,
      `/w/${slug}/analytics`,
      `/w/${slug}/pipelines`,
      `/w/${slug}/settings`,
      `/w/${slug}/tasks/new`,
      `/w/${slug}/tasks/${taskId}`,
    ];
    for (const page of pages) {
      const res = await admin.get(page);
      expect(res.status, page).toBe(200);
      const html = admin.lastHtml;
      expect(title(html), page).toMatch(/\S.* · Mission Control$/);
      expect(h1s(html), page).toBe(1);
      expect(html, page).toContain('<a class="skip-link" href="#main">Skip to main content</a>');
      expect(html.match(/<main id="main"/g)?.length, page).toBe(1);
    }
    // The sign-in page has them too.
    const anon = new FormClient(app.url);
    await anon.get("/login");
    expect(title(anon.lastHtml)).toBe("Sign in · Mission Control");
    expect(h1s(anon.lastHtml)).toBe(1);
    expect(anon.lastHtml).toContain('href="#main"');
  });

  it("keeps the app's header around 404, 403 and unknown-workspace pages, with a title", async () => {
    const cases: Array<[FormClient, string, number, string]> = [
      [admin, "/nowhere/at/all", 404, "Not found · Mission Control"],
      [admin, `/w/${slug}/tasks/00000000-0000-4000-8000-000000000000`, 404, "Not found · Mission Control"],
      [viewer, "/admin/users", 403, "Not allowed · Mission Control"],
      [viewer, `/w/${slug}/settings`, 403, "Not allowed · Mission Control"],
    ];
    for (const [client, page, status, expected] of cases) {
      const res = await client.get(page);
      expect(res.status, page).toBe(status);
      const html = client.lastHtml;
      expect(title(html), page).toBe(expected);
      expect(h1s(html), page).toBe(1);
      expect(html, page).toContain('aria-label="Tools"');
      expect(html, page).toContain('aria-label="Workspaces"');
      expect(html, page).toContain("Sign out");
      expect(html, page).toContain('href="#main"');
    }
    // An unknown workspace is refused before the header's data is read: the header keeps the links that need none.
    const res = await admin.get("/w/no-such-workspace");
    expect(res.status).toBe(404);
    expect(title(admin.lastHtml)).toBe("Not found · Mission Control");
    expect(admin.lastHtml).toContain('aria-label="Tools"');
    expect(admin.lastHtml).toContain("Workspace not found.");
    // Unknown API addresses stay a plain 404 for machines, signed in or not.
    expect((await fetch(`${app.url}/api/nowhere`)).status).toBe(404);
  });

  it("shows a viewer no controls they cannot use, and says why", async () => {
    await viewer.get(`/w/${slug}`);
    expect(viewer.lastHtml).not.toContain(`href="/w/${slug}/settings"`);
    expect(viewer.lastHtml).not.toContain("New task");
    expect(viewer.lastHtml).not.toContain('class="move-form"');
    expect(viewer.lastHtml).toContain("Read only (viewer)");
    await viewer.get(`/w/${slug}/tasks/${taskId}`);
    expect(viewer.lastHtml).not.toContain('aria-label="Move task"');
    expect(viewer.lastHtml).not.toContain("Delete task");
    await viewer.get("/heartbeat");
    expect(viewer.lastHtml).not.toContain("Run now");
    // An operator sees all of them.
    await admin.get(`/w/${slug}`);
    expect(admin.lastHtml).toContain(`href="/w/${slug}/settings"`);
    expect(admin.lastHtml).not.toContain("Read only (viewer)");
  });
});
