import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { agentAddDeliverable } from "#app/db/agent-api.server";
import { completeTask } from "#app/db/completion.server";
import { requestDoneApproval } from "#app/db/governance.server";
import { PREVIEW_CSP } from "#app/domain/file-preview";
import { SYSTEM, approvalsOf, createAgentWithToken, createRunningTask, createWorkspace, query, rowCounts, taskRow } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { SECRETS } from "#tests/support/secrets";
import { useTestServer } from "#tests/support/test-server";

// The task page over real HTTP on the built bundle and PostgreSQL: one field
// edited in place, Markdown rendered safely, approvals decided there by an
// approver only, files attached (streamed, capped, contained, removable by
// their uploader), previews served sandboxed, and a failed check's reason.

const MAX = 4096;

describe("the task page over HTTP", () => {
  let filesDir: string;
  const app = useTestServer({
    env: () => {
      filesDir = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), "mc-task-page-"))), "files");
      mkdirSync(filesDir);
      return { FILES_DIR: filesDir, UPLOAD_MAX_BYTES: String(MAX), TESTING_TASK_BUDGET_S: "15" };
    },
    after: () => rmSync(path.dirname(filesDir), { recursive: true, force: true }),
  });
  let admin: FormClient;
  let operator: FormClient;
  let colleague: FormClient;
  let approver: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };
  let agent: { id: string; token: string };
  let typeId: string;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    operator = await app.signIn({ email: "olive@example.test", name: "Olive Operator", role: "operator" });
    colleague = await app.signIn({ email: "colin@example.test", name: "Colin Colleague", role: "operator" });
    approver = await app.signIn({ email: "april@example.test", name: "April Approver", role: "approver" });
    viewer = await app.signIn({ email: "vic@example.test", name: "Vic Viewer", role: "viewer" });
    ws = await createWorkspace(app.db);
    agent = await createAgentWithToken(app.db, ws.id, { name: "Builder" });
    const [type] = await query<{ id: string }>(app.db, "select id from task_types where key = 'research'");
    typeId = type!.id;
  });

  const newTask = async (fields: Record<string, unknown> = {}) => {
    const task = await createRunningTask(app.db, ws.id, agent.id, {
      title: "Survey the field",
      description: "See [the docs](https://example.com/docs) and https://example.org/plain <script>alert(1)</script>",
      priority: "high",
      due_at: "2030-01-15T00:00:00.000Z",
      task_type_id: typeId,
      ...fields,
    });
    return { id: task.id, page: `/w/${ws.slug}/tasks/${task.id}` };
  };
  const fields = async (id: string) => {
    const row = (await taskRow(app.db, id)) as Record<string, unknown>;
    return {
      title: row.title,
      description: row.description,
      priority: row.priority,
      assigned_agent_id: row.assigned_agent_id,
      due: String(row.due_at),
      type: row.task_type_id,
    };
  };
  const agentAsks = async (taskId: string, args: Record<string, unknown> = { env: "prod", replicas: 3 }) => {
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: taskId, action: "deploy", args, target: "web-1", reason: "release 1.2" }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; digest: string };
  };
  const upload = async (client: FormClient, page: string, name: string, content: Buffer | string, extra: Record<string, string> = {}) => {
    await client.get(page);
    const form = new FormData();
    form.set("csrf", client.csrf());
    form.set("intent", "upload");
    for (const [k, v] of Object.entries(extra)) form.set(k, v);
    form.set("file", new Blob([typeof content === "string" ? content : new Uint8Array(content)]), name);
    return client.request(page, { method: "POST", body: form });
  };

  describe("values edited in place", () => {
    it("opens one field's form from ?edit=, saves only that field and confirms next to it", async () => {
      const task = await newTask();
      const before = await fields(task.id);
      await operator.get(`${task.page}?edit=priority`);
      expect(operator.lastHtml).toContain('name="intent" value="edit-priority"');
      expect(operator.lastHtml).not.toContain('value="edit-title"');
      const res = await operator.post(task.page, { intent: "edit-priority", priority: "urgent" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${task.page}?saved=priority`);
      expect(await fields(task.id)).toEqual({ ...before, priority: "urgent" });
      await operator.get(`${task.page}?saved=priority`);
      expect(operator.lastHtml).toMatch(
        /<span role="status" class="saved-note"[^>]*>✓ <!-- -->Saved<\/span>|<span role="status" class="saved-note"[^>]*>✓ Saved<\/span>/,
      );

      // Clearing the due date alone, then the assignee of a running task is refused next to the field.
      expect((await operator.post(task.page, { intent: "edit-due", due_at: "" })).status).toBe(302);
      expect(await fields(task.id)).toEqual({ ...before, priority: "urgent", due: "null" });
      const refused = await operator.post(task.page, { intent: "edit-assignee", assigned_agent_id: "" });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("Choose an agent before assigning the task.");
      expect(await fields(task.id)).toEqual({ ...before, priority: "urgent", due: "null" });
    });

    it("refuses bad input with a 4xx and changes nothing", async () => {
      const task = await newTask();
      const before = await fields(task.id);
      const counts = await rowCounts(app.db);
      await operator.get(task.page);
      for (const [form, status] of [
        [{ intent: "edit-title", title: "   " }, 400],
        [{ intent: "edit-title", title: "x".repeat(501) }, 400],
        [{ intent: "edit-title", title: "Sneaky", assigned_agent_id: "" }, 400],
        [{ intent: "edit-priority", priority: "asap" }, 400],
        [{ intent: "edit-due", due_at: "2026-02-30" }, 400],
        [{ intent: "edit-status", status: "done" }, 400],
        [{ intent: "edit-assignee", assigned_agent_id: "not-a-uuid" }, 400],
      ] as const) {
        const res = await operator.post(task.page, form);
        expect(res.status, JSON.stringify(form)).toBe(status);
      }
      expect((await viewer.get(task.page)).status).toBe(200);
      expect(viewer.lastHtml).not.toContain('data-testid="edit-title"');
      expect((await viewer.post(task.page, { intent: "edit-title", title: "Viewer" })).status).toBe(403);
      expect(await fields(task.id)).toEqual(before);
      expect(await rowCounts(app.db)).toEqual(counts);
    });

    it("renders the description's Markdown safely, with links", async () => {
      const task = await newTask();
      await viewer.get(task.page);
      expect(viewer.lastHtml).toContain('<a href="https://example.com/docs" rel="noopener noreferrer nofollow" target="_blank">the docs</a>');
      expect(viewer.lastHtml).toContain('<a href="https://example.org/plain" rel="noopener noreferrer nofollow" target="_blank">');
      expect(viewer.lastHtml).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(viewer.lastHtml).not.toContain("<script>alert(1)");
    });
  });

  describe("approvals on the task", () => {
    it("shows the request in words with its arguments, and lets an approver decide it there", async () => {
      const task = await newTask();
      const asked = await agentAsks(task.id);
      await viewer.get(task.page);
      expect(viewer.lastHtml).toContain("Waiting for approval");
      expect(viewer.lastHtml).toMatch(/<dt>env<\/dt><dd><span class="arg-text">prod<\/span><\/dd>/);
      expect(viewer.lastHtml).toContain("Asked by <!-- -->Builder");
      expect(viewer.lastHtml).not.toContain('value="approve"');
      await approver.get(task.page);
      expect(approver.lastHtml).toContain('value="approve"');

      const decide = { intent: "approve", approval_id: asked.id, digest: asked.digest, comment: "ship it" };
      expect((await viewer.post(task.page, decide)).status).toBe(403);
      const byOperator = await operator.post(task.page, decide);
      expect(byOperator.status).toBe(403);
      expect(await byOperator.text()).toContain("Approving and denying needs the approver role.");
      expect((await approver.post(task.page, { ...decide, digest: "c".repeat(64) })).status).toBe(409);
      expect((await approver.post(task.page, { ...decide, approval_id: "not-a-uuid" })).status).toBe(400);
      expect((await approvalsOf(app.db, task.id))[0]).toMatchObject({ status: "pending" });

      const res = await approver.post(task.page, decide);
      expect(res.status).toBe(302);
      expect((await approvalsOf(app.db, task.id))[0]).toMatchObject({ status: "approved", comment: "ship it" });
      await approver.get(task.page);
      expect(approver.lastHtml).not.toContain("Waiting for approval");
    });

    it("refuses a request from another task, and the requester's own", async () => {
      const task = await newTask();
      const elsewhere = await newTask();
      const other = await agentAsks(elsewhere.id);
      await approver.get(task.page);
      const res = await approver.post(task.page, { intent: "deny", approval_id: other.id, digest: other.digest });
      expect(res.status).toBe(404);
      expect((await approvalsOf(app.db, elsewhere.id))[0]).toMatchObject({ status: "pending" });

      // The approver asked for this one (a move to done), so someone else decides it.
      const gated = await newTask();
      const [approverUser] = await query<{ id: string }>(app.db, "select id from users where email = 'april@example.test'");
      await query(app.db, "update task_types set gated_actions = array['review_done'] where key = 'research'");
      try {
        await query(app.db, "update tasks set status = 'review' where id = $1", [gated.id]);
        const own = await requestDoneApproval(app.db, gated.id, approverUser!.id, 3600);
        await approver.get(gated.page);
        expect(approver.lastHtml).toContain("You asked for this, so someone else decides it.");
        const mine = await approver.post(gated.page, { intent: "approve", approval_id: own.id, digest: own.digest });
        expect(mine.status).toBe(403);
        expect(await mine.text()).toContain("You cannot decide your own request.");
      } finally {
        await query(app.db, "update task_types set gated_actions = '{}' where key = 'research'");
      }
    });
  });

  describe("attached files", () => {
    it("streams an operator's file into the task's folder, lists it with who sent it, and lets the agent download it", async () => {
      const task = await newTask();
      const res = await upload(operator, task.page, "../../Brief v2.txt", "Read me first");
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${task.page}?saved=upload#files`);
      expect(readdirSync(path.join(filesDir, task.id))).toEqual(["Brief_v2.txt"]);
      expect(readFileSync(path.join(filesDir, task.id, "Brief_v2.txt"), "utf8")).toBe("Read me first");
      await viewer.get(task.page);
      expect(viewer.lastHtml).toContain("uploaded by <!-- -->Olive Operator");
      expect(viewer.lastHtml).toContain("Read me first");
      const [audit] = await query<{ kind: string }>(app.db, "select kind from audit_log where kind = 'task.file_uploaded' and subject->>'task_id' = $1", [
        task.id,
      ]);
      expect(audit).toEqual({ kind: "task.file_uploaded" });

      const download = await fetch(`${app.url}/api/agent/tasks/${task.id}/files/Brief_v2.txt`, { headers: { authorization: `Bearer ${agent.token}` } });
      expect(download.status).toBe(200);
      expect(download.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''Brief_v2.txt");
      expect(await download.text()).toBe("Read me first");
      const stranger = await createAgentWithToken(app.db, ws.id, { name: "Stranger" });
      const refused = await fetch(`${app.url}/api/agent/tasks/${task.id}/files/Brief_v2.txt`, { headers: { authorization: `Bearer ${stranger.token}` } });
      expect(refused.status).toBe(404);
      const traversal = await fetch(`${app.url}/api/agent/tasks/${task.id}/files/..%2F..%2Fetc%2Fpasswd`, {
        headers: { authorization: `Bearer ${agent.token}` },
      });
      expect(traversal.status).toBe(404);
    });

    it("refuses a file over the cap with a clear 413, an empty one and a viewer's with 4xx, keeping nothing", async () => {
      const task = await newTask();
      const counts = await rowCounts(app.db);
      const big = await upload(operator, task.page, "big.bin", Buffer.alloc(MAX + 1, 1));
      expect(big.status).toBe(413);
      expect(await big.text()).toContain("Files are limited to 4 KiB (4096 bytes).");
      const empty = await upload(operator, task.page, "empty.txt", "");
      expect(empty.status).toBe(400);
      expect(await empty.text()).toContain("The file is empty.");
      const byViewer = await upload(viewer, task.page, "v.txt", "hi");
      expect(byViewer.status).toBe(403);
      const noToken = new FormData();
      noToken.set("intent", "upload");
      noToken.set("file", new Blob(["x"]), "x.txt");
      expect((await operator.request(task.page, { method: "POST", body: noToken })).status).toBe(403);
      expect(existsSync(path.join(filesDir, task.id)) ? readdirSync(path.join(filesDir, task.id)) : []).toEqual([]);
      expect(await rowCounts(app.db)).toEqual(counts);
    });

    it("removes an attachment for its uploader (not a colleague), with the file", async () => {
      const task = await newTask();
      expect((await upload(operator, task.page, "notes.md", "# Notes")).status).toBe(302);
      const [row] = await query<{ id: string }>(app.db, "select id from task_uploads where task_id = $1", [task.id]);
      await colleague.get(task.page);
      expect(colleague.lastHtml).not.toContain("Remove notes.md");
      expect((await colleague.post(task.page, { intent: "delete-upload", upload_id: row!.id })).status).toBe(403);
      expect(readdirSync(path.join(filesDir, task.id))).toEqual(["notes.md"]);
      await operator.get(task.page);
      expect(operator.lastHtml).toContain("Remove <!-- -->notes.md");
      expect((await operator.post(task.page, { intent: "delete-upload", upload_id: "nope" })).status).toBe(400);
      expect((await operator.post(task.page, { intent: "delete-upload", upload_id: row!.id })).status).toBe(302);
      expect(readdirSync(path.join(filesDir, task.id))).toEqual([]);
      expect(await query(app.db, "select id from task_uploads where task_id = $1", [task.id])).toEqual([]);
    });
  });

  describe("previews", () => {
    it("serves a preview inline under a sandbox policy, and a download as an attachment", async () => {
      const task = await newTask();
      mkdirSync(path.join(filesDir, task.id), { recursive: true });
      writeFileSync(path.join(filesDir, task.id, "report.html"), "<h1>Report</h1><script>document.title='pwned'</script>");
      writeFileSync(path.join(filesDir, task.id, "data.zip"), "PK");
      writeFileSync(path.join(filesDir, task.id, "huge.txt"), Buffer.alloc(2 * 1024 * 1024 + 1, 97));
      const preview = await viewer.request(`${task.page}/files/report.html?preview=1`);
      expect(preview.status).toBe(200);
      expect(preview.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(preview.headers.get("content-security-policy")).toBe(PREVIEW_CSP);
      expect(preview.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'/);
      expect(preview.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(preview.headers.get("x-content-type-options")).toBe("nosniff");
      expect(preview.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''report.html");
      expect(await preview.text()).toContain("<h1>Report</h1>");
      const download = await viewer.request(`${task.page}/files/report.html`);
      expect(download.headers.get("content-type")).toBe("application/octet-stream");
      expect(download.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''report.html");
      expect(download.headers.get("x-frame-options")).toBe("DENY");
      expect((await viewer.request(`${task.page}/files/data.zip?preview=1`)).status).toBe(415);
      expect((await viewer.request(`${task.page}/files/huge.txt?preview=1`)).status).toBe(413);
      expect((await viewer.request(`${task.page}/files/..%2F..%2Fsecret.html?preview=1`)).status).toBe(404);
    });

    it("previews file deliverables on the page: image, rendered Markdown, text, and HTML in a sandboxed frame", async () => {
      const task = await newTask();
      const dir = path.join(filesDir, task.id);
      mkdirSync(dir, { recursive: true });
      const files: Record<string, string> = {
        "chart.png": "png",
        "summary.md": "# Summary\n\n[link](javascript:alert(1)) <img src=x onerror=alert(1)>",
        "run.log": "ok",
        "report.html": "<p>r</p>",
      };
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(path.join(dir, name), content);
        await agentAddDeliverable(app.db, agent.id, task.id, { type: "file", title: name, path: name });
      }
      await viewer.get(task.page);
      const html = viewer.lastHtml;
      expect(html).toContain(`<img src="${task.page}/files/chart.png?preview=1"`);
      expect(html).toContain("<h1>Summary</h1>");
      expect(html).not.toContain('href="javascript:');
      expect(html).not.toMatch(/<img src="x"/);
      expect(html).toContain("<pre>ok</pre>");
      expect(html).toMatch(new RegExp(`<iframe src="${task.page}/files/report.html\\?preview=1" title="Preview of report.html" sandbox=""`));
    });
  });

  it("says why a URL deliverable failed its check, with a link to the setting that fixes it", async () => {
    const task = await newTask();
    await agentAddDeliverable(app.db, agent.id, task.id, { type: "url", title: "Live site", url: "https://reports.example.com/q3" });
    await completeTask(app.db, task.id, { source: "agent_api", summary: "", runId: null, actor: SYSTEM });
    const beat = await fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`);
    expect(beat.status).toBe(200);
    expect(await taskRow(app.db, task.id)).toMatchObject({ status: "assigned", alert_reason: "checks_failed" });
    await viewer.get(task.page);
    expect(viewer.lastHtml).toContain("The host reports.example.com is not on the allowed hosts list.");
    expect(viewer.lastHtml).toMatch(new RegExp(`<a href="/w/${ws.slug}/settings#url-allowlist"[^>]*>Allow the host in workspace settings</a>`));
    expect(viewer.lastHtml).toContain("Deliverable checks failed; sent back for rework: The host reports.example.com is not on the allowed hosts list.");

    // Only an admin allows a host, on the workspace settings the link opens.
    await admin.get(`/w/${ws.slug}/settings`);
    expect((await operator.post(`/w/${ws.slug}/settings`, { intent: "url-allowlist", hosts: "reports.example.com" })).status).toBe(403);
    expect((await admin.post(`/w/${ws.slug}/settings`, { intent: "url-allowlist", hosts: "https://reports.example.com" })).status).toBe(400);
    const saved = await admin.post(`/w/${ws.slug}/settings`, { intent: "url-allowlist", hosts: "reports.example.com\n*.example.org" });
    expect(saved.status).toBe(302);
    await admin.get(`/w/${ws.slug}/settings`);
    expect(admin.lastHtml).toContain("*.example.org\nreports.example.com");
  }, 60_000);
});
