import { beforeAll, describe, expect, it } from "vitest";
import { searchTasks } from "#app/db/tasks.server";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { createTask, createWorkspace } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// The board is served without React (decision 029): its HTML carries none of
// React Router's scripts, only the board's script and the palette's, both
// hashed files under /assets. Other pages hydrate as before and load the
// palette's script too. The palette finds tasks through /w/:slug/search.json.

const scriptSrcs = (html: string) => [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
const preloads = (html: string) => [...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*>/g)].map((m) => m[0]);

describe("the board's scripts and the palette's search", () => {
  const app = useTestServer();
  let admin: FormClient;
  let viewer: FormClient;
  let slug: string;
  let otherSlug: string;
  const ids: Record<string, string> = {};

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
    const ws = await createWorkspace(app.db, { name: "Island" });
    slug = ws.slug;
    for (const title of ["Write the launch post", "Review the LAUNCH checklist", "100% coverage", "snake_case names", "Unrelated"]) {
      ids[title] = (await createTask(app.db, ws.id, { title })).id;
    }
    const other = await createWorkspace(app.db, { name: "Elsewhere" });
    otherSlug = other.slug;
    await createTask(app.db, other.id, { title: "Launch elsewhere" });
  });

  it("serves the board without React Router's scripts, with the board's and the palette's", async () => {
    const res = await admin.get(`/w/${slug}`);
    expect(res.status).toBe(200);
    const html = admin.lastHtml;
    expect(html).toContain('data-task-id="');
    expect(html).not.toContain("__reactRouterContext");
    expect(html).not.toContain("__reactRouterManifest");
    expect(preloads(html)).toEqual([]);
    const srcs = scriptSrcs(html);
    // The board's own script, the command palette and the service worker's registration (decision 048).
    expect(srcs).toHaveLength(3);
    expect(srcs.some((s) => /^\/assets\/board-island-[\w-]+\.js$/.test(s))).toBe(true);
    expect(srcs.some((s) => /^\/assets\/palette-[\w-]+\.js$/.test(s))).toBe(true);
    expect(srcs.some((s) => /^\/assets\/service-worker-register-[\w-]+\.js$/.test(s))).toBe(true);
    // No inline script at all: the page's CSP has nothing to allow but 'self'.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const src of srcs) {
      const asset = await fetch(new URL(src, app.url));
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      // Self-contained: neither script imports a chunk of the React app.
      expect(await asset.text(), src).not.toMatch(/["']\.\/[\w-]+\.js["']/);
    }
    // The regions the board's script swaps are in the page.
    for (const region of ["header", "workspace-head", "board"]) expect(html).toContain(`data-island-region="${region}"`);
  });

  it("hydrates the other pages as before, and loads the palette there too", async () => {
    await admin.get(`/w/${slug}/tasks/${ids["Unrelated"]}`);
    const html = admin.lastHtml;
    expect(html).toContain("__reactRouterContext");
    expect(preloads(html).length).toBeGreaterThan(0);
    expect(scriptSrcs(html).some((s) => /^\/assets\/palette-[\w-]+\.js$/.test(s))).toBe(true);
    expect(scriptSrcs(html).some((s) => s.includes("board-island"))).toBe(false);
    // Links to the board load it as a document.
    expect(html).toMatch(new RegExp(`<a[^>]*href="/w/${slug}"[^>]*data-discover|<a[^>]*href="/w/${slug}"`));
  });

  const search = async (client: FormClient, query: string) => {
    const res = await client.request(`/w/${slug}/search.json${query}`);
    return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
  };
  const titles = (body: Record<string, unknown>) => (body.tasks as Array<{ title: string }>).map((t) => t.title).sort();

  it("finds the workspace's tasks by a part of the title, in any case", async () => {
    const found = await search(admin, "?q=launch");
    expect(found.status).toBe(200);
    expect(found.type).toMatch(/^application\/json/);
    expect(titles(found.body)).toEqual(["Review the LAUNCH checklist", "Write the launch post"]);
    const hit = (found.body.tasks as Array<Record<string, unknown>>).find((t) => t.title === "Write the launch post");
    expect(hit).toEqual({ id: ids["Write the launch post"], title: "Write the launch post", status: "inbox", status_label: "Inbox" });
    // A viewer may search; the limit holds.
    expect((await search(viewer, "?q=e&limit=2")).body.tasks).toHaveLength(2);
    expect(titles((await search(viewer, "?q=%20%20checklist%20")).body)).toEqual(["Review the LAUNCH checklist"]);
  });

  it("takes % and _ literally", async () => {
    expect(titles((await search(admin, "?q=100%25")).body)).toEqual(["100% coverage"]);
    expect(titles((await search(admin, "?q=%25")).body)).toEqual(["100% coverage"]);
    expect(titles((await search(admin, "?q=e_c")).body)).toEqual(["snake_case names"]);
    expect(titles((await search(admin, "?q=no such task")).body)).toEqual([]);
  });

  it("refuses a missing, empty or long query, a bad limit and unknown parameters with a 400", async () => {
    for (const query of ["", "?q=", "?q=%20", `?q=${"x".repeat(201)}`, "?q=a&limit=0", "?q=a&limit=21", "?q=a&limit=two", "?q=a&status=inbox"]) {
      const res = await search(admin, query);
      expect(res.status, query).toBe(400);
      expect((res.body.error as { code: string }).code, query).toBe("invalid");
    }
  });

  it("sends a signed-out request to sign in, and knows no unknown workspace", async () => {
    const res = await new FormClient(app.url).request(`/w/${slug}/search.json?q=launch`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    expect((await admin.request(`/w/no-such-space/search.json?q=launch`)).status).toBe(404);
    // Each workspace searches its own tasks only.
    const other = await admin.request(`/w/${otherSlug}/search.json?q=launch`);
    expect(((await other.json()) as { tasks: Array<{ title: string }> }).tasks.map((t) => t.title)).toEqual(["Launch elsewhere"]);
  });
});

describe.each(RPC_TRANSPORTS)("search_tasks on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("finds titles containing the text in any case, literally, newest first, within the limit", async () => {
    const ws = await createWorkspace(db());
    const other = await createWorkspace(db());
    const older = await createTask(db(), ws.id, { title: "Plan the LAUNCH" });
    const newer = await createTask(db(), ws.id, { title: "launch day" });
    await createTask(db(), ws.id, { title: "50% off_sale" });
    await createTask(db(), other.id, { title: "Launch elsewhere" });
    const hits = await searchTasks(db(), ws.id, "Launch", 10);
    expect(hits.map((h) => h.id).sort()).toEqual([older.id, newer.id].sort());
    expect(hits[0]).toEqual({ id: expect.any(String), title: expect.any(String), status: "inbox" });
    expect(await searchTasks(db(), ws.id, "Launch", 1)).toHaveLength(1);
    expect((await searchTasks(db(), ws.id, "0% o", 10)).map((h) => h.title)).toEqual(["50% off_sale"]);
    expect((await searchTasks(db(), ws.id, "f_s", 10)).map((h) => h.title)).toEqual(["50% off_sale"]);
    // Every word, in any order, as the board's search.
    expect((await searchTasks(db(), ws.id, "sale 50%", 10)).map((h) => h.title)).toEqual(["50% off_sale"]);
    expect(await searchTasks(db(), ws.id, "sale nothing", 10)).toEqual([]);
    expect(await searchTasks(db(), ws.id, "_", 10)).toHaveLength(1);
    expect(await searchTasks(db(), ws.id, "%", 10)).toHaveLength(1);
    expect(await searchTasks(db(), ws.id, "\\", 10)).toEqual([]);
    // The limit is kept between 1 and 50 whatever is asked.
    expect(await searchTasks(db(), ws.id, "a", 0)).toHaveLength(1);
  });
});
