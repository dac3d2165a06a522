import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient } from "#tests/support/http-client";
import { type PushReceiver, startPushReceiver } from "#tests/support/push-receiver";
import { useTestServer } from "#tests/support/test-server";

// The installable app and Web Push over HTTP (decision 048): the manifest and
// the service worker at the site root; POST and DELETE /api/push-subscriptions
// (session, the session's form token in X-CSRF-Token, bad input refused
// without a change, another user's endpoint refused); the settings page's
// devices with their test and remove forms (no JavaScript needed), sending
// through a loopback push service that checks VAPID and decrypts; and an
// approval's own page, decided with a plain form post.
describe("installable app and Web Push over HTTP", () => {
  let push!: PushReceiver;
  const app = useTestServer({
    env: async () => {
      push = await startPushReceiver();
      return { PUSH_ENDPOINT_ALLOWLIST: "127.0.0.1", VAPID_SUBJECT: "mailto:ops@example.test" };
    },
    after: () => push.close(),
  });
  let admin: FormClient;
  let viewer: FormClient;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    viewer = await app.signIn({ email: "viewer@push.test", name: "Vic Viewer", role: "viewer" });
  });

  const subscriptions = (userEmail?: string) =>
    query<{ endpoint: string; auth: string; user_agent: string; expired_at: string | null; last_success_at: string | null; email: string }>(
      app.db,
      "select s.endpoint, s.auth, s.user_agent, s.expired_at, s.last_success_at, u.email from push_subscriptions s join users u on u.id = s.user_id" +
        (userEmail ? " where u.email = $1" : "") +
        " order by s.created_at",
      userEmail ? [userEmail] : [],
    );
  /** The settings page's form token, for the page script's JSON calls. */
  const tokenOf = async (client: FormClient) => {
    await client.get("/settings");
    return client.csrf();
  };
  const call = async (client: FormClient, method: "POST" | "DELETE", body: unknown, headers: Record<string, string> = {}) =>
    client.request("/api/push-subscriptions", {
      method,
      headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("serves the manifest and the service worker at the site root, to anyone, with a strict policy for the worker", async () => {
    const manifest = await fetch(`${app.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("content-type")).toContain("application/manifest+json");
    expect(await manifest.json()).toMatchObject({ name: "Mission Control", display: "standalone", start_url: "/" });
    const sw = await fetch(`${app.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toContain("text/javascript");
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(sw.headers.get("content-security-policy")).toContain("default-src 'none'");
    const script = /importScripts\("(\/assets\/[^"]+\.js)"\)/.exec(await sw.text())?.[1];
    expect(script).toBeDefined();
    const worker = await fetch(`${app.url}${script}`);
    expect(worker.status).toBe(200);
    const text = await worker.text();
    expect(text).toContain("notificationclick");
    expect(text).not.toMatch(/addEventListener\(\s*["'`]fetch/);
    await admin.get("/settings");
    expect(admin.lastHtml).toContain('rel="manifest" href="/manifest.webmanifest"');
    expect((await fetch(`${app.url}/api/push-subscriptions`)).status).toBe(405);
  });

  it("saves this device for the signed-in user, with the session's token, and lists it on the settings page", async () => {
    const browser = push.browser();
    const res = await call(admin, "POST", browser.json, { "x-csrf-token": await tokenOf(admin) });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({ endpoint: browser.endpoint, user_agent: "Chrome on Android" });
    // Saving again (the browser's subscription renewed) is one device.
    expect((await call(admin, "POST", browser.json, { "x-csrf-token": await tokenOf(admin) })).status).toBe(201);
    const mine = await subscriptions("admin@example.test");
    expect(mine.filter((s) => s.endpoint === browser.endpoint)).toHaveLength(1);
    await admin.get("/settings");
    expect(admin.lastHtml).toContain("Chrome on Android");
    expect(admin.lastHtml).toContain("Send a test notification");
    expect(admin.lastHtml).toContain('data-push="needs-javascript"');
  });

  it("refuses without a session (401), without or with a wrong token (403), a form body (415), and bad input (400), storing nothing", async () => {
    const before = await subscriptions();
    const browser = push.browser();
    const token = await tokenOf(viewer);
    const anonymous = new FormClient(app.url);
    expect((await call(anonymous, "POST", browser.json, { "x-csrf-token": token })).status).toBe(401);
    expect((await call(viewer, "POST", browser.json)).status).toBe(403);
    expect((await call(viewer, "POST", browser.json, { "x-csrf-token": (await tokenOf(admin)) + "x" })).status).toBe(403);
    // Another session's token is not this session's.
    expect((await call(viewer, "POST", browser.json, { "x-csrf-token": await tokenOf(admin) })).status).toBe(403);
    const form = await viewer.request("/api/push-subscriptions", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": token },
      body: "endpoint=x",
    });
    expect(form.status).toBe(415);
    const bad: unknown[] = [
      "{not json",
      {},
      { ...browser.json, keys: { p256dh: "short", auth: browser.auth } },
      { ...browser.json, keys: { p256dh: browser.p256dh, auth: "" } },
      { ...browser.json, endpoint: "http://push.example.test/1" },
      { ...browser.json, endpoint: "https://10.0.0.8/push/1" },
      { ...browser.json, endpoint: "https://localhost/push/1" },
      { ...browser.json, endpoint: "javascript:alert(1)" },
      { ...browser.json, endpoint: `https://push.example.test/${"x".repeat(2100)}` },
      { ...browser.json, owner: "admin" },
    ];
    for (const body of bad) {
      const res = await call(viewer, "POST", body, { "x-csrf-token": token });
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid");
    }
    expect(await subscriptions()).toEqual(before);
  });

  it("refuses an endpoint another user owns (409) and lets only the owner remove a device", async () => {
    const browser = push.browser();
    expect((await call(admin, "POST", browser.json, { "x-csrf-token": await tokenOf(admin) })).status).toBe(201);
    const taken = await call(
      viewer,
      "POST",
      { ...browser.json, keys: { ...browser.json.keys, auth: "A".repeat(22) } },
      { "x-csrf-token": await tokenOf(viewer) },
    );
    expect(taken.status).toBe(409);
    expect((await subscriptions()).filter((s) => s.endpoint === browser.endpoint)).toEqual([
      expect.objectContaining({ email: "admin@example.test", auth: browser.auth }),
    ]);
    expect((await call(viewer, "DELETE", { endpoint: browser.endpoint }, { "x-csrf-token": await tokenOf(viewer) })).status).toBe(404);
    expect((await call(admin, "DELETE", { endpoint: browser.endpoint })).status).toBe(403);
    expect((await call(admin, "DELETE", { nothing: 1 }, { "x-csrf-token": await tokenOf(admin) })).status).toBe(400);
    expect((await subscriptions()).some((s) => s.endpoint === browser.endpoint)).toBe(true);
    const removed = await call(admin, "DELETE", { endpoint: browser.endpoint }, { "x-csrf-token": await tokenOf(admin) });
    expect(removed.status).toBe(200);
    expect((await subscriptions()).some((s) => s.endpoint === browser.endpoint)).toBe(false);
  });

  /** Saves a new browser for the client and returns it with its device id. */
  const savedDevice = async (client: FormClient, status = 201) => {
    const browser = push.browser(status);
    const res = await call(client, "POST", browser.json, { "x-csrf-token": await tokenOf(client) });
    expect(res.status).toBe(201);
    return { browser, id: ((await res.json()) as { id: string }).id };
  };
  const deviceForm = async (client: FormClient, fields: Record<string, string>) => {
    await client.get("/settings");
    return client.post("/settings/devices", fields);
  };

  it("sends a test notification from the settings page without JavaScript: delivered, signed, encrypted, and recorded", async () => {
    const { browser, id } = await savedDevice(admin);
    const res = await deviceForm(admin, { intent: "test", id });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/settings#devices");
    const message = push.messages.findLast((m) => browser.endpoint.endsWith(m.path))!;
    expect(message.vapidProblem).toBeNull();
    expect(message.jwt).toMatchObject({ aud: push.origin, sub: "mailto:ops@example.test" });
    expect(JSON.parse(message.payload!)).toMatchObject({ title: "Mission Control", url: "/approvals" });
    await admin.get("/settings");
    expect(admin.lastHtml).toContain("Test notification sent");
    // The page offers browsers the key the messages are signed with.
    expect(admin.lastHtml).toContain(message.vapidKey!);
    expect((await subscriptions()).find((s) => s.endpoint === browser.endpoint)?.last_success_at).not.toBeNull();
  });

  it("takes a device the push service says is gone (410) off the list, and keeps one whose service failed (500) for a retry", async () => {
    const gone = await savedDevice(admin, 410);
    expect((await deviceForm(admin, { intent: "test", id: gone.id })).status).toBe(302);
    await admin.get("/settings");
    expect(admin.lastHtml).toContain("no longer knows this device");
    expect((await subscriptions()).find((s) => s.endpoint === gone.browser.endpoint)?.expired_at).not.toBeNull();
    const busy = await savedDevice(admin, 500);
    expect((await deviceForm(admin, { intent: "test", id: busy.id })).status).toBe(302);
    await admin.get("/settings");
    expect(admin.lastHtml).toContain("Try again in a moment");
    expect((await subscriptions()).find((s) => s.endpoint === busy.browser.endpoint)?.expired_at).toBeNull();
  });

  it("removes a device with a plain form; another user's device (404), a bad form (400) or a missing token (403) changes nothing", async () => {
    const { browser, id } = await savedDevice(admin);
    expect((await deviceForm(viewer, { intent: "remove", id })).status).toBe(404);
    expect((await deviceForm(viewer, { intent: "test", id })).status).toBe(404);
    await admin.get("/settings");
    expect((await admin.post("/settings/devices", { intent: "remove", id }, { csrf: false })).status).toBe(403);
    const explode = await deviceForm(admin, { intent: "explode", id });
    expect(explode.status).toBe(400);
    expect(await explode.text()).toContain("nothing was changed");
    expect((await deviceForm(admin, { intent: "remove", id: "not-an-id" })).status).toBe(400);
    expect((await deviceForm(admin, { intent: "remove", id, extra: "1" })).status).toBe(400);
    expect((await subscriptions()).some((s) => s.endpoint === browser.endpoint)).toBe(true);
    expect((await deviceForm(admin, { intent: "remove", id })).status).toBe(302);
    expect((await subscriptions()).some((s) => s.endpoint === browser.endpoint)).toBe(false);
    expect((await admin.get("/settings/devices")).status).toBe(302);
  });

  it("shows an approval on its own page and decides it with a plain form, keeping the digest check and the approver role", async () => {
    const ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Asker" });
    const task = await createTask(app.db, ws.id, { title: "Ship the release", status: "assigned", assigned_agent_id: agent.id });
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: task.id, action: "deploy", args: { env: "prod" }, target: "web-1", reason: "release 1.2" }),
    });
    const approval = (await res.json()) as { id: string; digest: string };
    const page = `/approvals/${approval.id}`;
    // The inbox links each request to its own page.
    expect((await admin.get("/approvals")).status).toBe(200);
    expect(admin.lastHtml).toContain(`href="${page}"`);
    expect((await admin.get(page)).status).toBe(200);
    expect(admin.lastHtml).toContain("Ship the release");
    expect(admin.lastHtml).toContain(">Approve</button>");
    expect((await viewer.get(page)).status).toBe(200);
    expect(viewer.lastHtml).toContain("needs the approver role");
    expect((await viewer.post(page, { intent: "approve", approval_id: approval.id, digest: approval.digest, comment: "" })).status).toBe(403);
    await admin.get(page);
    expect((await admin.post(page, { intent: "approve", approval_id: approval.id, digest: "b".repeat(64), comment: "" })).status).toBe(409);
    const [row] = await query<{ status: string }>(app.db, "select status from approvals where id = $1", [approval.id]);
    expect(row!.status).toBe("pending");
    await admin.get(page);
    const decided = await admin.post(page, { intent: "approve", approval_id: approval.id, digest: approval.digest, comment: "from my phone" });
    expect(decided.status).toBe(302);
    expect(decided.headers.get("location")).toBe(page);
    await admin.get(page);
    expect(admin.lastHtml).toContain("approved");
    expect(admin.lastHtml).toContain("from my phone");
    expect((await admin.get("/approvals/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await admin.get("/approvals/not-an-id")).status).toBe(404);
  });
});
