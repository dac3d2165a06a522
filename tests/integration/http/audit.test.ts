import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { REPO_ROOT } from "#tests/support/server";
import { verifyAuditLog } from "#app/db/audit.server";
import { useTestServer } from "#tests/support/test-server";

interface AuditRow {
  seq: number;
  kind: string;
  actor: { type: string; id?: string; name?: string; email?: string; ip?: string };
  subject: Record<string, string | null>;
  data: Record<string, unknown>;
}

// The audit log as admins and operators meet it: every security-relevant
// action done through the pages leaves a row naming the person who did it,
// the admin page verifies the chain, the export is JSON Lines with hashes,
// and `npm run audit:verify` exits non-zero once a row was tampered with.
describe("audit log pages and tools", () => {
  const app = useTestServer();
  let admin: FormClient;
  let ws: { id: string; slug: string };

  const verifyScript = () =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/audit-verify.ts"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: app.pg.url, LOG_LEVEL: "silent", ...SECRETS },
      encoding: "utf8",
      timeout: 60_000,
    });
  const rowCount = async () => (await query<{ n: number }>(app.db, "select count(*)::int as n from audit_log"))[0]!.n;
  const rowsAfter = (seq: number) =>
    query<AuditRow>(app.db, "select seq::int as seq, kind, actor, subject, data from audit_log where seq > $1 order by seq", [seq]);
  const lastSeq = async () => (await query<{ n: number }>(app.db, "select coalesce(max(seq), 0)::int as n from audit_log"))[0]!.n;
  const login = async (email: string, password: string) => {
    const client = new FormClient(app.url);
    await client.get("/login");
    const res = await client.post("/login", { email, password, redirectTo: "/" });
    return { client, status: res.status };
  };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    ws = await createWorkspace(app.db);
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Logged" });
    const task = await createTask(app.db, ws.id, { title: "Audited task" });
    await admin.get(`/w/${ws.slug}`);
    expect((await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: task.id, status: "planning" })).status).toBe(302);
    await query(app.db, "update agents set autonomy_level = 'hotl' where id = $1", [agent.id]);
  });

  it("shows the verified chain to admins only", async () => {
    await admin.get("/admin/audit");
    expect(admin.lastHtml).toContain(`Chain intact: ${await rowCount()} entries`);
    expect(admin.lastHtml).toContain("task.status_override");
    expect(admin.lastHtml).toContain("agent.autonomy_changed");
    // The set-up link made the first admin, who was then signed in.
    const first = await rowsAfter(0);
    expect(first.slice(0, 2)).toMatchObject([
      { kind: "user.created", actor: { type: "system", name: "set-up link" }, data: { email: TEST_ADMIN.email, role: "admin", first_admin: true } },
      { kind: "auth.signed_in", actor: { type: "user", name: TEST_ADMIN.name, email: TEST_ADMIN.email } },
    ]);
  });

  it("audits every security-relevant action done through the pages, naming the person who did it", async () => {
    const start = await lastSeq();
    const [me] = await query<{ id: string }>(app.db, "select id from users where email = $1", [TEST_ADMIN.email]);
    const byAdmin = { type: "user", id: me!.id, name: TEST_ADMIN.name, email: TEST_ADMIN.email };
    const firstPassword = "olive's first long password";
    const secondPassword = "olive's second long password";

    // Users: created, promoted, password reset, signed out everywhere, disabled, enabled.
    await admin.get("/admin/users");
    expect(
      (await admin.post("/admin/users", { intent: "create", name: "Olive Operator", email: "olive@example.test", role: "operator", password: firstPassword }))
        .status,
    ).toBe(302);
    const [olive] = await query<{ id: string }>(app.db, "select id from users where email = 'olive@example.test'");
    const byOlive = { type: "user", id: olive!.id, name: "Olive Operator", email: "olive@example.test" };
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "role", user_id: olive!.id, role: "approver" })).status).toBe(302);

    // Sign-in: a failure (never the password), a success, a sign-out.
    expect((await login("olive@example.test", "not olive's password at all")).status).toBe(401);
    expect((await login("nobody@example.test", "not anyone's password")).status).toBe(401);
    const session = await login("olive@example.test", firstPassword);
    expect(session.status).toBe(302);
    await session.client.get("/");
    expect((await session.client.post("/logout", {})).status).toBe(302);

    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "password", user_id: olive!.id, password: secondPassword })).status).toBe(302);
    expect((await login("olive@example.test", secondPassword)).status).toBe(302);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "sign-out", user_id: olive!.id })).status).toBe(302);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "disable", user_id: olive!.id })).status).toBe(302);
    await admin.get("/admin/users");
    expect((await admin.post("/admin/users", { intent: "enable", user_id: olive!.id })).status).toBe(302);

    // Agents: created with a token, token rotated, deleted.
    await admin.get(`/w/${ws.slug}/agents`);
    expect((await admin.post(`/w/${ws.slug}/agents`, { intent: "create", name: "Short-lived" })).status).toBe(201);
    const [agent] = await query<{ id: string }>(app.db, "select id from agents where name = 'Short-lived'");
    const agentPage = `/w/${ws.slug}/agents/${agent!.id}`;
    await admin.get(agentPage);
    expect((await admin.post(agentPage, { intent: "rotate-token" })).status).toBe(200);
    await admin.get(agentPage);
    expect((await admin.post(agentPage, { intent: "delete" })).status).toBe(302);

    // A task and a workspace deleted.
    const doomed = await createTask(app.db, ws.id, { title: "Doomed task" });
    await admin.get(`/w/${ws.slug}/tasks/${doomed.id}`);
    expect((await admin.post(`/w/${ws.slug}/tasks/${doomed.id}`, { intent: "delete" })).status).toBe(302);
    await admin.get("/");
    expect((await admin.post("/?index", { name: "Scratch space", icon: "", slug: "scratch-space" })).status).toBe(302);
    const [scratch] = await query<{ id: string }>(app.db, "select id from workspaces where slug = 'scratch-space'");
    await admin.get("/w/scratch-space/settings");
    expect((await admin.post("/w/scratch-space/settings", { intent: "delete" })).status).toBe(302);

    const rows = await rowsAfter(start);
    const expected: Array<[string, object, object?]> = [
      ["user.created", byAdmin, { data: { email: "olive@example.test", role: "operator" } }],
      ["user.role_changed", byAdmin, { data: { from: "operator", to: "approver" } }],
      ["auth.sign_in_failed", { type: "anonymous" }, { subject: { email: "olive@example.test", user_id: olive!.id }, data: { reason: "wrong_password" } }],
      ["auth.sign_in_failed", { type: "anonymous" }, { subject: { email: "nobody@example.test", user_id: null }, data: { reason: "unknown_user" } }],
      ["auth.signed_in", byOlive],
      ["auth.signed_out", byOlive],
      ["user.password_reset", byAdmin, { subject: { user_id: olive!.id }, data: { own: false, sessions_ended: 0 } }],
      ["auth.signed_in", byOlive],
      ["user.sessions_ended", byAdmin, { data: { sessions_ended: 1 } }],
      ["user.disabled", byAdmin],
      ["user.enabled", byAdmin],
      ["agent.created", byAdmin, { data: { name: "Short-lived", token_issued: true } }],
      ["agent.token_rotated", byAdmin, { subject: { agent_id: agent!.id } }],
      ["agent.deleted", byAdmin, { subject: { agent_id: agent!.id } }],
      ["task.deleted", byAdmin, { subject: { task_id: doomed.id }, data: { title: "Doomed task" } }],
      ["workspace.deleted", byAdmin, { subject: { workspace_id: scratch!.id }, data: { slug: "scratch-space" } }],
    ];
    expect(rows.map((r) => r.kind)).toEqual(expected.map(([kind]) => kind));
    expected.forEach(([kind, actor, rest], i) => expect(rows[i], kind).toMatchObject({ kind, actor, ...rest }));
    expect(rows.find((r) => r.kind === "auth.signed_in")!.data).toMatchObject({ ip: "127.0.0.1" });
    // No password, and no hash of one, is ever written to the log.
    const all = JSON.stringify(rows);
    for (const secret of [firstPassword, secondPassword, "not olive's password at all", "scrypt"]) expect(all).not.toContain(secret);

    // The audit page names the people, and the chain still verifies.
    await admin.get("/admin/audit");
    expect(admin.lastHtml).toContain(">Olive Operator<");
    expect(admin.lastHtml).toContain(`>${TEST_ADMIN.name}<`);
    expect(admin.lastHtml).toContain(`Chain intact: ${await rowCount()} entries`);
    expect(await verifyAuditLog(app.db)).toMatchObject({ ok: true, rows: await rowCount() });
  });

  it("shows who decided an approval by name, on the approvals page and in the log", async () => {
    const agent = await createAgentWithToken(app.db, ws.id, { name: "Asker" });
    const task = await createTask(app.db, ws.id, { status: "assigned", assigned_agent_id: agent.id });
    const res = await fetch(`${app.url}/api/agent/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ task_id: task.id, action: "send_report", args: { to: "team" }, target: "mail", reason: "weekly" }),
    });
    const approval = (await res.json()) as { id: string; digest: string; status: string };
    expect(approval.status).toBe("pending");
    await admin.get("/approvals");
    expect((await admin.post("/approvals", { intent: "approve", approval_id: approval.id, digest: approval.digest, comment: "fine" })).status).toBe(302);
    await admin.get("/approvals?show=decided");
    const item = admin.lastHtml.slice(admin.lastHtml.indexOf(`data-approval-id="${approval.id}"`));
    expect(item.slice(0, item.indexOf("</li>"))).toContain(`by ${TEST_ADMIN.name}`);
    expect(admin.lastHtml).not.toContain("by operator");
    const [row] = await query<AuditRow>(app.db, "select kind, actor from audit_log where subject->>'approval_id' = $1", [approval.id]);
    expect(row).toMatchObject({ kind: "approval.approved", actor: { type: "user", name: TEST_ADMIN.name, email: TEST_ADMIN.email } });
    // The agent's own view keeps its contract: a person decided.
    const polled = (await (await fetch(`${app.url}/api/agent/approvals/${approval.id}`, { headers: { authorization: `Bearer ${agent.token}` } })).json()) as {
      by: string;
    };
    expect(polled.by).toBe("operator");
  });

  it("exports JSON Lines whose hashes chain", async () => {
    const res = await admin.request("/admin/audit/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="mission-control-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; prev_hash: string; hash: string });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((l) => l.seq).toSorted((a, b) => a - b));
    expect(lines[0]!.prev_hash).toBe("0".repeat(64));
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.prev_hash).toBe(lines[i - 1]!.hash);
  });

  it("shows entries in words with links, filtered by the URL, and refuses bad filters with a 400", async () => {
    await admin.get(`/admin/audit?action=task.status_override`);
    const html = admin.lastHtml;
    expect(html).toContain("Moved a task by hand");
    expect(html).toContain(`>${TEST_ADMIN.name}<`);
    expect(html).toMatch(new RegExp(`href="/w/${ws.slug}/tasks/[0-9a-f-]{36}"[^>]*>Audited task<`));
    expect(html).toContain(`href="/w/${ws.slug}"`);
    // Details are labelled values, not JSON, with the raw entry behind a disclosure.
    expect(html).toContain("<div><dt>From</dt><dd>Inbox</dd></div><div><dt>To</dt><dd>Planning</dd></div>");
    expect(html).toContain("<summary>Raw entry</summary>");
    expect(html.match(/data-testid="audit-entry"/g)).toHaveLength(1);
    // An area filter keeps every kind of it; the filter is kept in the form.
    await admin.get("/admin/audit?action=agent");
    expect(admin.lastHtml).toContain("Changed an agent&#x27;s autonomy");
    expect(admin.lastHtml).not.toContain("Moved a task by hand</span>");
    for (const bad of [
      "actor=bob",
      "action=DROP%20TABLE",
      "workspace=nope",
      "from=2026-13-40",
      "from=2026-05-02&to=2026-05-01",
      "before=-1",
      "color=red",
      "q=" + "x".repeat(201),
    ]) {
      const res = await admin.request(`/admin/audit?${bad}`);
      expect(res.status, bad).toBe(400);
      const body = await res.text();
      expect(body, bad).toContain("Correct the filters to see entries.");
      expect((await admin.request(`/admin/audit/export?${bad}`)).status, bad).toBe(400);
    }
  });

  it("exports only the entries the filters select", async () => {
    const res = await admin.request("/admin/audit/export?action=auth.signed_in");
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; kind: string; actor_name: string });
    const [signIns] = await query<{ n: number }>(app.db, "select count(*)::int as n from audit_log where kind = 'auth.signed_in'");
    expect(lines).toHaveLength(signIns!.n);
    expect(lines.every((l) => l.kind === "auth.signed_in")).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((l) => l.seq).toSorted((a, b) => a - b));
  });

  it("npm run audit:verify passes, then fails after tampering, and the page says so", async () => {
    const good = verifyScript();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain(`Audit log intact: ${await rowCount()} entries`);
    await app.db.session(async (s) => {
      await s.exec("alter table audit_log disable trigger audit_log_append_only");
      await s.query('update audit_log set actor = \'{"type":"user","name":"someone else"}\' where kind = \'task.status_override\'');
      await s.exec("alter table audit_log enable trigger audit_log_append_only");
    });
    const bad = verifyScript();
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("Audit log TAMPERED: entry");
    await admin.get("/admin/audit");
    expect(admin.lastHtml).toContain("Tampering detected at entry");
  });
});
