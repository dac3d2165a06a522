import { createHmac, randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, createServer } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "#app/db/workspaces.server";
import { GITHUB_WEBHOOK_MAX_BYTES } from "#app/domain/github";
import { createAgent, createWorkspace, query, taskRow, updateTask } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";
import { until } from "#tests/support/until";

// POST /api/webhooks/github and the workspace settings' GitHub forms over
// HTTP (decision 053), on the built server: the settings as plain form posts
// (a refused one writes nothing and sends no secret back; a generated secret
// is shown once); deliveries signed with X-Hub-Signature-256 create and
// update tasks; a repeated delivery, a bad signature, an unknown repository,
// malformed JSON and an oversized body write nothing; a linked task reaching
// done is commented on through a loopback stand-in for GitHub's REST API,
// by the server's own sender, exactly once.

interface Hit {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const TOKEN = "github_pat_http_0123456789abcdefghijklmnop";
const SECRET = "an-entered-webhook-secret-of-some-length";

describe("the GitHub webhook and settings over HTTP", () => {
  const hits: Hit[] = [];
  let stub: Server;
  const app = useTestServer({
    env: async () => {
      stub = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          hits.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
          res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" });
          res.end(req.method === "POST" ? JSON.stringify({ id: 7, html_url: "https://github.com/acme/widgets/issues/1#issuecomment-7" }) : "[]");
        });
      });
      await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
      const address = stub.address();
      const port = typeof address === "object" && address ? address.port : 0;
      return { GITHUB_API_URL: `http://127.0.0.1:${port}`, NOTIFY_INTERVAL_S: "1", PUBLIC_URL: "https://mc.example.test" };
    },
    after: () => new Promise<void>((resolve) => (stub ? stub.close(() => resolve()) : resolve())),
  });
  let admin: FormClient;
  let ws: Workspace;
  let settings: string;
  let number = 100;

  const counts = async () =>
    (
      await query<Record<string, number>>(
        app.db,
        `select (select count(*)::int from tasks) as tasks, (select count(*)::int from task_activities) as activities,
                (select count(*)::int from events) as events, (select count(*)::int from webhook_deliveries) as deliveries,
                (select count(*)::int from github_issue_links) as links, (select count(*)::int from github_integrations) as integrations`,
      )
    )[0]!;
  const payload = (action: string, fields: Record<string, unknown> = {}, repository = "acme/widgets") => ({
    action,
    issue: {
      number,
      title: "Crash on save",
      body: "Stack trace attached.",
      state: "open",
      html_url: `https://github.com/${repository}/issues/${number}`,
      updated_at: new Date(Date.now() - 30_000).toISOString(),
      labels: [{ name: "bug", color: "d73a4a" }],
      user: { login: "octocat" },
      ...fields,
    },
    repository: { full_name: repository, private: false },
    sender: { login: "octocat" },
  });
  const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const deliver = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/webhooks/github`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": sign(body),
        "user-agent": "GitHub-Hookshot/test",
        ...headers,
      },
    });
  const error = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db, { name: "Widgets" });
    settings = `/w/${ws.slug}/settings`;
  });

  it("connects the workspace with a plain form post; refused input writes nothing and sends no secret back", async () => {
    await admin.get(settings);
    expect(admin.lastHtml).toContain('id="github-heading"');
    expect(admin.lastHtml).toContain("https://mc.example.test/api/webhooks/github");
    const before = await counts();
    const bad = await admin.post(settings, { intent: "github", repository: "not a repository", label_types: "bug", webhook_secret: SECRET, token: TOKEN });
    expect(bad.status).toBe(400);
    expect(admin.lastHtml).toContain("Give the repository as owner/repo");
    expect(admin.lastHtml).toContain("Write each line as label = task type key");
    expect(admin.lastHtml).not.toContain(SECRET);
    expect(admin.lastHtml).not.toContain(TOKEN);
    const unknownType = await admin.post(settings, { intent: "github", repository: "acme/widgets", label_types: "bug = nope", webhook_secret: SECRET });
    expect(unknownType.status).toBe(400);
    expect(admin.lastHtml).toContain("Unknown task type: nope");
    expect(await counts()).toEqual(before);

    const saved = await admin.post(settings, {
      intent: "github",
      repository: "acme/widgets",
      label_types: "bug = research\nrelease = deploy",
      webhook_secret: SECRET,
      token: TOKEN,
    });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("location")).toBe(`${settings}?saved=github#github`);
    await admin.get(settings);
    expect(admin.lastHtml).toContain("<code>acme/widgets</code>");
    expect(admin.lastHtml).toContain(`ends in …${TOKEN.slice(-4)}`);
    expect(admin.lastHtml).toContain("bug = research\nrelease = deploy");
    expect(admin.lastHtml).not.toContain(TOKEN);
    expect(admin.lastHtml).not.toContain(SECRET);
    expect(app.server.logs.some((l) => JSON.stringify(l).includes(TOKEN))).toBe(false);
  });

  it("generates a secret when none is entered and shows it once", async () => {
    const other = await createWorkspace(app.db, { name: "Gadgets" });
    const page = `/w/${other.slug}/settings`;
    await admin.get(page);
    const res = await admin.post(page, { intent: "github", repository: "acme/gadgets", label_types: "" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const secret = /data-testid="github-secret"[\s\S]*?<code>([0-9a-f]{64})<\/code>/.exec(admin.lastHtml)?.[1];
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await admin.get(page);
    expect(admin.lastHtml).not.toContain(secret!);
    expect(admin.lastHtml).toContain(`ends in …${secret!.slice(-4)}`);
    // The generated secret verifies that repository's deliveries.
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1, repository: { full_name: "acme/gadgets" } });
    const ping = await deliver(body, { "x-github-event": "ping", "x-hub-signature-256": sign(body, secret) });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ ok: true, event: "ping", repository: "acme/gadgets" });
  });

  it("creates a task from a signed issues delivery and updates it from a later one; a repeated delivery writes nothing", async () => {
    number++;
    const opened = JSON.stringify(payload("opened"));
    const created = await deliver(opened);
    expect(created.status).toBe(201);
    const { task_id } = (await created.json()) as { task_id: string; outcome: string };
    const row = await taskRow(app.db, task_id);
    expect(row).toMatchObject({ title: "Crash on save", labels: ["bug"], status: "inbox", workspace_id: ws.id });
    const [type] = await query<{ key: string }>(app.db, "select k.key from tasks t join task_types k on k.id = t.task_type_id where t.id = $1", [task_id]);
    expect(type!.key).toBe("research");

    const edited = JSON.stringify(payload("edited", { title: "Crash on save (Safari)", updated_at: new Date(Date.now() - 10_000).toISOString() }));
    const delivery = randomUUID();
    const update = await deliver(edited, { "x-github-delivery": delivery });
    expect(update.status).toBe(200);
    expect(await update.json()).toMatchObject({ task_id, outcome: "updated" });
    expect((await taskRow(app.db, task_id)).title).toBe("Crash on save (Safari)");

    const before = await counts();
    const again = await deliver(edited, { "x-github-delivery": delivery });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    // The older body under a new delivery id: acknowledged as stale, nothing written.
    const stale = await deliver(opened);
    expect(stale.status).toBe(200);
    expect(await stale.json()).toMatchObject({ outcome: "stale" });
    expect(await counts()).toEqual(before);
  });

  it("refuses a bad signature (401), an unknown repository (404), malformed JSON (400), a missing header (400), a form body (415) and an oversized body (413), writing nothing", async () => {
    number++;
    const before = await counts();
    const body = JSON.stringify(payload("opened"));
    const forged = await deliver(body, { "x-hub-signature-256": sign(body, "not-the-secret-at-all") });
    expect(forged.status).toBe(401);
    expect((await error(forged)).code).toBe("unauthorized");
    const unsigned = await deliver(body, { "x-hub-signature-256": "" });
    expect(unsigned.status).toBe(401);
    const tampered = await deliver(body.replace("Crash on save", "Crash on load"), { "x-hub-signature-256": sign(body) });
    expect(tampered.status).toBe(401);

    const elsewhere = JSON.stringify(payload("opened", {}, "someone/else"));
    const unknown = await deliver(elsewhere);
    expect(unknown.status).toBe(404);
    expect((await error(unknown)).message).toMatch(/No workspace takes issues from someone\/else/);

    const broken = '{"action": "opened", "issue": {';
    const malformed = await deliver(broken);
    expect(malformed.status).toBe(400);
    expect((await error(malformed)).message).toMatch(/not valid JSON/);
    const noRepository = JSON.stringify({ action: "opened" });
    expect((await deliver(noRepository)).status).toBe(400);
    expect((await deliver(body, { "x-github-event": "" })).status).toBe(400);
    expect((await deliver(body, { "x-github-delivery": "" })).status).toBe(400);
    expect((await deliver(`payload=${encodeURIComponent(body)}`, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);

    const huge = JSON.stringify(payload("opened", { body: "x".repeat(GITHUB_WEBHOOK_MAX_BYTES) }));
    const tooLarge = await deliver(huge);
    expect(tooLarge.status).toBe(413);
    expect(await counts()).toEqual(before);
    expect((await fetch(`${app.url}/api/webhooks/github`)).status).toBe(405);
  });

  it("acknowledges events and actions it does not act on", async () => {
    const before = await counts();
    const push = JSON.stringify({ ref: "refs/heads/main", repository: { full_name: "acme/widgets" } });
    const res = await deliver(push, { "x-github-event": "push" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ignored: true, event: "push" });
    const assigned = JSON.stringify(payload("assigned"));
    expect(await (await deliver(assigned)).json()).toEqual({ ignored: true, event: "issues", action: "assigned" });
    expect(await counts()).toEqual(before);
  });

  it("comments on the issue once when its task reaches done, with the workspace's token", async () => {
    number++;
    const created = await deliver(JSON.stringify(payload("opened", { labels: [] })));
    const { task_id } = (await created.json()) as { task_id: string };
    await query(app.db, "insert into task_activities (task_id, type, message, actor_type) values ($1, 'completed', 'Fixed the null check.', 'system')", [
      task_id,
    ]);
    const agent = await createAgent(app.db, ws.id, { name: "Fixer", openclaw_agent_id: "main" });
    await updateTask(app.db, task_id, { status: "assigned", assigned_agent_id: agent.id });
    for (const status of ["in_progress", "review", "done"]) await query(app.db, "update tasks set status = $2 where id = $1", [task_id, status]);

    const post = await until("the comment", () => hits.find((h) => h.method === "POST" && h.path === `/repos/acme/widgets/issues/${number}/comments`), 20_000);
    expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post.headers.accept).toBe("application/vnd.github+json");
    const comment = (JSON.parse(post.body) as { body: string }).body;
    expect(comment).toContain("**Done in Mission Control:** Crash on save");
    expect(comment).toContain("> Fixed the null check.");
    expect(comment).toContain(`https://mc.example.test/w/${ws.slug}/tasks/${task_id}`);
    await until("the comment recorded as sent", async () => {
      const [row] = await query<{ status: string }>(app.db, "select status from github_comment_outbox where task_id = $1", [task_id]);
      return row?.status === "sent";
    });
    // Later passes of the sender post nothing more.
    await new Promise((r) => setTimeout(r, 2500));
    expect(hits.filter((h) => h.method === "POST" && h.path === `/repos/acme/widgets/issues/${number}/comments`)).toHaveLength(1);
    await admin.get(settings);
    expect(admin.lastHtml).toContain('href="https://github.com/acme/widgets/issues/1#issuecomment-7"');
    expect(app.server.logs.some((l) => JSON.stringify(l).includes(TOKEN))).toBe(false);
  }, 60_000);

  it("disconnects: deliveries from the repository are refused from then on", async () => {
    await admin.get(settings);
    const res = await admin.post(settings, { intent: "github-disconnect" });
    expect(res.status).toBe(302);
    number++;
    const body = JSON.stringify(payload("opened"));
    expect((await deliver(body)).status).toBe(404);
  });
});
