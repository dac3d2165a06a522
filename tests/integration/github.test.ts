import { type IncomingMessage, type Server, createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyGithubIssueEvent, getGithubIntegration, saveGithubIntegration } from "#app/db/github.server";
import type { Workspace } from "#app/db/workspaces.server";
import { type GithubIssue, GITHUB_EVENT_WINDOW_S, commentMarker, issueTaskFields } from "#app/domain/github";
import { type Notifier, createNotifier } from "#app/services/notifications/notifier.server";
import { createLogger } from "#app/services/observability/logger.server";
import { TRANSPORTS, type Transport, useTestDatabase } from "#tests/support/databases";
import { type TestUser, appError, createAgent, createUser, createWorkspace, query, taskRow, updateTask } from "#tests/support/fixtures";
import { until } from "#tests/support/until";

// GitHub issues as tasks in SQL and the comment back (decision 053), on
// PostgreSQL and PGlite: an issue event creates the linked task (labels
// mapped to its type), a newer state updates it, a repeated delivery id and
// a state no newer than the one applied write nothing, an old one is
// refused; a linked task reaching done leaves one comment in the outbox,
// which the notification sender's pass posts to a loopback stand-in for
// GitHub's REST API with the workspace's token, retrying while it fails.

interface Hit {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A stand-in for GitHub's REST API: it records each request and answers as `answer` says. */
async function githubStub(answer: (hit: Hit, hits: Hit[]) => [number, unknown]) {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hit = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      hits.push(hit);
      const [status, body] = answer(hit, hits);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const TOKEN = "github_pat_11ABCDEFG0123456789_testtoken";

describe.each(TRANSPORTS)("GitHub issues as tasks on %s", (kind: Transport) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let admin: TestUser;
  const repo = `acme/widgets-${kind}`;
  let number = 0;

  const issue = (fields: Partial<GithubIssue> = {}): GithubIssue => ({
    number: ++number,
    title: "Fix the login page",
    body: "It **breaks** on Safari.",
    state: "open",
    html_url: `https://github.com/${repo}/issues/${number}`,
    updated_at: new Date(Date.now() - 60_000).toISOString(),
    labels: [{ name: "Bug" }, { name: "frontend" }],
    ...fields,
  });
  const apply = async (action: string, i: GithubIssue, deliveryId = randomUUID()) => {
    const target = (await getGithubIntegration(db(), ws.id))!;
    return applyGithubIssueEvent(db(), {
      workspaceId: ws.id,
      deliveryId,
      action,
      issue: issueTaskFields(repo, i, target.label_types),
      windowS: GITHUB_EVENT_WINDOW_S,
    });
  };
  const later = (i: GithubIssue, seconds: number, fields: Partial<GithubIssue> = {}): GithubIssue => ({
    ...i,
    updated_at: new Date(Date.parse(i.updated_at) + seconds * 1000).toISOString(),
    ...fields,
  });
  const counts = async () =>
    (
      await query<Record<string, number>>(
        db(),
        `select (select count(*)::int from tasks) as tasks, (select count(*)::int from task_activities) as activities,
                (select count(*)::int from events) as events, (select count(*)::int from webhook_deliveries) as deliveries,
                (select count(*)::int from github_issue_links) as links, (select count(*)::int from github_comment_outbox) as comments`,
      )
    )[0]!;
  const typeKey = async (taskId: string) =>
    (await query<{ key: string | null }>(db(), "select k.key from tasks t left join task_types k on k.id = t.task_type_id where t.id = $1", [taskId]))[0]!.key;

  beforeAll(async () => {
    ws = await createWorkspace(db());
    admin = await createUser(db(), "admin", "Ada Admin");
    await saveGithubIntegration(db(), ws.id, admin.id, {
      repository: repo,
      label_types: { bug: "research", deploy: "deploy" },
      webhook_secret: "s3cret-s3cret-s3cret",
      token: TOKEN,
      clear_token: false,
    });
  });

  it("is configured by admins only, with known task types, one workspace per repository, and the secrets never read back", async () => {
    const operator = await createUser(db(), "operator", "Otto Operator");
    const fields = { repository: repo, label_types: {}, webhook_secret: null, token: null, clear_token: false };
    expect((await appError(saveGithubIntegration(db(), ws.id, operator.id, fields))).code).toBe("forbidden");
    const unknown = await appError(saveGithubIntegration(db(), ws.id, admin.id, { ...fields, label_types: { bug: "no_such_type" } }));
    expect(unknown.fieldErrors?.label_types).toMatch(/Unknown task type: no_such_type/);
    const other = await createWorkspace(db());
    const taken = await appError(
      saveGithubIntegration(db(), other.id, admin.id, { ...fields, repository: repo.toUpperCase(), webhook_secret: "x".repeat(20) }),
    );
    expect(taken.code).toBe("conflict");
    expect(taken.fieldErrors?.repository).toBeTruthy();
    const needsSecret = await appError(saveGithubIntegration(db(), other.id, admin.id, { ...fields, repository: `${repo}-2` }));
    expect(needsSecret.fieldErrors?.webhook_secret).toBeTruthy();
    const shown = (await getGithubIntegration(db(), ws.id))!;
    expect(shown).toMatchObject({ repository: repo, has_token: true, token_hint: TOKEN.slice(-4), secret_hint: "cret" });
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
    expect(JSON.stringify(shown)).not.toContain("s3cret-s3cret-s3cret");
    // The audit says what changed, never the secrets.
    const audit = await query<{ data: unknown }>(db(), "select data from audit_log where kind = 'workspace.github_changed'");
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it("creates the linked task from an opened issue: title, description, labels, and the type of its first mapped label", async () => {
    const i = issue();
    const result = await apply("opened", i);
    expect(result).toMatchObject({ outcome: "created" });
    const taskId = (result as { task_id: string }).task_id;
    const row = await taskRow(db(), taskId);
    expect(row).toMatchObject({ title: "Fix the login page", status: "inbox", labels: ["bug", "frontend"], workspace_id: ws.id });
    expect(String(row.description)).toContain("It **breaks** on Safari.");
    expect(String(row.description)).toContain(`GitHub issue ${repo}#${i.number}: ${i.html_url}`);
    expect(await typeKey(taskId)).toBe("research");
    const [link] = await query(db(), "select issue_number, repository from github_issue_links where task_id = $1", [taskId]);
    expect(link).toEqual({ issue_number: i.number, repository: repo });
    const events = await query<{ type: string }>(db(), "select type from events where task_id = $1 order by seq", [taskId]);
    expect(events.map((e) => e.type)).toContain("task.created");
  });

  it("updates the task from a newer state (edited, labeled), and writes nothing for a repeated delivery or a state no newer", async () => {
    const i = issue();
    const created = (await apply("opened", i)) as { task_id: string };
    const edited = later(i, 5, { title: "Fix the login page on Safari", body: "Steps inside." });
    const delivery = randomUUID();
    expect(await apply("edited", edited, delivery)).toMatchObject({ outcome: "updated", task_id: created.task_id });
    expect(await taskRow(db(), created.task_id)).toMatchObject({ title: "Fix the login page on Safari" });

    // The same delivery again: a duplicate, nothing written.
    const before = await counts();
    expect(await apply("edited", { ...edited, title: "Replayed" }, delivery)).toEqual({ duplicate: true });
    // The same body under a new delivery id (GitHub does not sign the id): stale, nothing written.
    expect(await apply("edited", { ...i, title: "Rolled back" }, randomUUID())).toMatchObject({ outcome: "stale" });
    expect(await apply("edited", edited, randomUUID())).toMatchObject({ outcome: "stale" });
    expect(await counts()).toEqual(before);
    expect((await taskRow(db(), created.task_id)).title).toBe("Fix the login page on Safari");

    const relabelled = later(i, 10, { labels: [{ name: "frontend" }, { name: "deploy" }] });
    expect(await apply("labeled", relabelled)).toMatchObject({ outcome: "updated" });
    expect((await taskRow(db(), created.task_id)).labels).toEqual(["frontend", "deploy"]);
    expect(await typeKey(created.task_id)).toBe("deploy");
    // A type that would lower the task's governance is kept, and the task says why.
    const lowered = later(i, 15, { labels: [{ name: "bug" }] });
    expect(await apply("unlabeled", lowered)).toMatchObject({ outcome: "updated" });
    expect(await typeKey(created.task_id)).toBe("deploy");
    const [kept] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'github.type_kept'", [
      created.task_id,
    ]);
    expect(kept!.message).toMatch(/type was kept/);
  });

  it("refuses an issue state older than the window, and keeps labels a task cannot hold out", async () => {
    const before = await counts();
    const old = issue({ updated_at: new Date(Date.now() - (GITHUB_EVENT_WINDOW_S + 60) * 1000).toISOString() });
    const refused = await appError(apply("opened", old));
    expect(refused.code).toBe("unprocessable");
    expect(refused.message).toMatch(/window/);
    expect(await counts()).toEqual(before);

    const long = issue({ labels: [{ name: "a label far longer than thirty-two characters" }, { name: "one, two" }, { name: "ok" }] });
    const created = (await apply("opened", long)) as { task_id: string };
    expect((await taskRow(db(), created.task_id)).labels).toEqual(["ok"]);
  });

  it("cancels a task not yet started when its issue closes, brings it back when it reopens, and only notes it for one at work", async () => {
    const i = issue({ labels: [] });
    const created = (await apply("opened", i)) as { task_id: string };
    expect(await apply("closed", later(i, 5, { state: "closed" }))).toMatchObject({ outcome: "updated" });
    expect((await taskRow(db(), created.task_id)).status).toBe("cancelled");
    await apply("reopened", later(i, 10, { state: "open" }));
    expect((await taskRow(db(), created.task_id)).status).toBe("inbox");

    const agent = await createAgent(db(), ws.id, { name: `Worker ${kind}`, openclaw_agent_id: "main" });
    await updateTask(db(), created.task_id, { status: "assigned", assigned_agent_id: agent.id });
    await query(db(), "update tasks set status = 'in_progress' where id = $1", [created.task_id]);
    await apply("closed", later(i, 15, { state: "closed" }));
    expect((await taskRow(db(), created.task_id)).status).toBe("in_progress");
    const [note] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'github.issue_closed'", [
      created.task_id,
    ]);
    expect(note!.message).toMatch(/closed on GitHub/);
    // A closed issue that never had a task makes none.
    const before = await counts();
    expect(await apply("closed", issue({ state: "closed" }))).toMatchObject({ ignored: "closed_issue_without_task" });
    expect((await counts()).tasks).toBe(before.tasks);
  });

  describe("the comment back when a linked task is done", () => {
    let notifier: Notifier;
    let stub: Awaited<ReturnType<typeof githubStub>>;
    /** Comment posts fail while this is above zero. */
    let failures = 0;
    let agentId: string;

    const finish = async (taskId: string) => {
      await updateTask(db(), taskId, { status: "assigned", assigned_agent_id: agentId });
      for (const status of ["in_progress", "review", "done"]) await query(db(), "update tasks set status = $2 where id = $1", [taskId, status]);
    };

    beforeAll(async () => {
      stub = await githubStub((hit) => {
        if (hit.method === "GET") return [200, []];
        if (failures > 0) {
          failures--;
          return [502, { message: "Server Error" }];
        }
        return [201, { id: 1, html_url: `https://github.com/${repo}/issues/1#issuecomment-1` }];
      });
      notifier = createNotifier(
        {
          db: db(),
          log: createLogger("silent"),
          settings: {
            publicUrl: "https://mc.example.com",
            TESTING_URL_ALLOWLIST: [],
            TELEGRAM_API_URL: "http://127.0.0.1:9",
            SMTP_URL: undefined,
            SMTP_FROM: "mc@example.com",
            NOTIFY_INTERVAL_S: 0,
            NOTIFY_EXPIRY_WINDOW_MINUTES: 15,
            GITHUB_API_URL: stub.url,
          },
        },
        { retryBaseMs: 20, retryCapMs: 40, random: () => 0.5, sendTimeoutMs: 5000 },
      );
      agentId = (await createAgent(db(), ws.id, { name: `Closer ${kind}`, openclaw_agent_id: "main" })).id;
    });

    afterAll(async () => {
      await notifier?.stop();
      await stub?.close();
    });

    it("queues one comment with the move to done, and the stub receives it once with the token and the task's summary", async () => {
      const i = issue({ labels: [] });
      const { task_id } = (await apply("opened", i)) as { task_id: string };
      await query(db(), "insert into task_activities (task_id, type, message, actor_type) values ($1, 'completed', 'Patched the form handler.', 'system')", [
        task_id,
      ]);
      await finish(task_id);
      const [row] = await query<{ id: string; status: string }>(db(), "select id, status from github_comment_outbox where task_id = $1", [task_id]);
      expect(row!.status).toBe("pending");

      const start = stub.hits.length;
      const tick = await notifier.tick();
      expect(tick.comments).toEqual({ sent: 1, failed: 0 });
      const posts = stub.hits.slice(start).filter((h) => h.method === "POST");
      expect(posts).toHaveLength(1);
      const post = posts[0]!;
      expect(post.path).toBe(`/repos/acme/widgets-${kind}/issues/${i.number}/comments`);
      expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(post.headers.accept).toBe("application/vnd.github+json");
      const body = (JSON.parse(post.body) as { body: string }).body;
      expect(body).toContain("Done in Mission Control");
      expect(body).toContain("> Patched the form handler.");
      expect(body).toContain(`https://mc.example.com/w/${ws.slug}/tasks/${task_id}`);
      expect(body).toContain(commentMarker(row!.id));

      // Sent once: further passes post nothing.
      await notifier.tick();
      expect(stub.hits.slice(start).filter((h) => h.method === "POST")).toHaveLength(1);
      const [sent] = await query(db(), "select status, attempts, comment_url from github_comment_outbox where id = $1", [row!.id]);
      expect(sent).toEqual({ status: "sent", attempts: 1, comment_url: `https://github.com/${repo}/issues/1#issuecomment-1` });
      const [noted] = await query<{ message: string }>(db(), "select message from task_activities where task_id = $1 and type = 'github.commented'", [task_id]);
      expect(noted!.message).toBe(`Commented on GitHub issue ${repo}#${i.number}`);
      // Back to review and done again is a new occasion: one more comment, not a resend of the first.
      await query(db(), "update tasks set status = 'review' where id = $1", [task_id]);
      await query(db(), "update tasks set status = 'done' where id = $1", [task_id]);
      expect(await query(db(), "select 1 from github_comment_outbox where task_id = $1", [task_id])).toHaveLength(2);
      await notifier.tick();
    });

    it("retries a comment GitHub refused, looks for an earlier attempt's comment first, and posts it once it is taken", async () => {
      const i = issue({ labels: [] });
      const { task_id } = (await apply("opened", i)) as { task_id: string };
      failures = 2;
      const start = stub.hits.length;
      await finish(task_id);
      const first = await notifier.tick();
      expect(first.comments).toEqual({ sent: 0, failed: 1 });
      const [waiting] = await query<{ id: string; status: string; last_error: string; last_status_code: number }>(
        db(),
        "select id, status, last_error, last_status_code from github_comment_outbox where task_id = $1",
        [task_id],
      );
      expect(waiting).toMatchObject({ status: "pending", last_status_code: 502 });
      expect(waiting!.last_error).toMatch(/GitHub answered 502: Server Error/);
      expect(waiting!.last_error).not.toContain(TOKEN);
      await until("the comment posted", async () => {
        await notifier.tick();
        const [row] = await query<{ status: string }>(db(), "select status from github_comment_outbox where id = $1", [waiting!.id]);
        return row!.status === "sent" ? row : null;
      });
      const hits = stub.hits.slice(start);
      expect(hits.filter((h) => h.method === "POST")).toHaveLength(3);
      // Each retry looked on the issue for the earlier attempt's marker before posting.
      expect(hits.filter((h) => h.method === "GET").length).toBeGreaterThanOrEqual(2);
      expect(hits.find((h) => h.method === "GET")!.path).toMatch(new RegExp(`^/repos/acme/widgets-${kind}/issues/${i.number}/comments\\?since=`));
    });

    it("records a comment the issue already has as sent instead of posting it again", async () => {
      const i = issue({ labels: [] });
      const { task_id } = (await apply("opened", i)) as { task_id: string };
      await finish(task_id);
      const [row] = await query<{ id: string }>(db(), "select id from github_comment_outbox where task_id = $1", [task_id]);
      // As if a server had posted it and died before recording it: claimed once, lease gone.
      await query(db(), "update github_comment_outbox set attempts = 1 where id = $1", [row!.id]);
      const existing = await githubStub((hit) =>
        hit.method === "GET" ? [200, [{ body: `done\n${commentMarker(row!.id)}`, html_url: "https://github.com/x/y/issues/1#issuecomment-9" }]] : [201, {}],
      );
      const other = createNotifier(
        {
          db: db(),
          log: createLogger("silent"),
          settings: {
            publicUrl: "https://mc.example.com",
            TESTING_URL_ALLOWLIST: [],
            TELEGRAM_API_URL: "http://127.0.0.1:9",
            SMTP_URL: undefined,
            SMTP_FROM: "mc@example.com",
            NOTIFY_INTERVAL_S: 0,
            NOTIFY_EXPIRY_WINDOW_MINUTES: 15,
            GITHUB_API_URL: existing.url,
          },
        },
        { sendTimeoutMs: 5000 },
      );
      try {
        expect((await other.tick()).comments).toEqual({ sent: 1, failed: 0 });
        expect(existing.hits.filter((h) => h.method === "POST")).toHaveLength(0);
        const [sent] = await query(db(), "select status, comment_url from github_comment_outbox where id = $1", [row!.id]);
        expect(sent).toEqual({ status: "sent", comment_url: "https://github.com/x/y/issues/1#issuecomment-9" });
      } finally {
        await other.stop();
        await existing.close();
      }
    });

    it("queues nothing for a workspace without a token", async () => {
      await saveGithubIntegration(db(), ws.id, admin.id, { repository: repo, label_types: {}, webhook_secret: null, token: null, clear_token: true });
      const i = issue({ labels: [] });
      const { task_id } = (await apply("opened", i)) as { task_id: string };
      await finish(task_id);
      expect(await query(db(), "select 1 from github_comment_outbox where task_id = $1", [task_id])).toEqual([]);
    });
  });
});
