import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { SECRETS, seedAgent, seedTask, seedWorkspace, sql } from "#tests/support/agent-plane";
import { type FormClient, setUpAdmin } from "#tests/support/http-client";
import { REPO_ROOT, type RunningServer, startServer } from "#tests/support/server";

// The audit log as admins and operators meet it: the admin page verifies the
// chain, the export is JSON Lines with hashes, and `npm run audit:verify`
// exits non-zero once a row was tampered with.
describe("audit log pages and tools", () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let admin: FormClient;

  const verifyScript = () =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/audit-verify.ts"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: pg.url, LOG_LEVEL: "silent", ...SECRETS },
      encoding: "utf8",
      timeout: 60_000,
    });

  beforeAll(async () => {
    pg = await createTestPostgres();
    server = await startServer({ env: { DATABASE_URL: pg.url, ...SECRETS } });
    admin = await setUpAdmin(server.url, server.setupUrl!);
    const ws = await seedWorkspace(pg.db);
    const agent = await seedAgent(pg.db, ws.id, "Logged");
    const task = await seedTask(pg.db, ws.id, { title: "Audited task" });
    await admin.get(`/w/${ws.slug}`);
    expect((await admin.post(`/w/${ws.slug}?index`, { intent: "move", taskId: task.id, status: "planning" })).status).toBe(302);
    await sql(pg.db, "update agents set autonomy_level = 'hotl' where id = $1", [agent.id]);
  });

  afterAll(async () => {
    await server?.stop();
    await pg?.drop();
  });

  it("shows the verified chain to admins only", async () => {
    await admin.get("/admin/audit");
    expect(admin.lastHtml).toContain("Chain intact: 2 entries");
    expect(admin.lastHtml).toContain("task.status_override");
    expect(admin.lastHtml).toContain("agent.autonomy_changed");
  });

  it("exports JSON Lines whose hashes chain", async () => {
    const res = await admin.request("/admin/audit/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="mission-control-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { seq: number; prev_hash: string; hash: string });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((l) => l.seq).toSorted((a, b) => a - b));
    expect(lines[0]!.prev_hash).toBe("0".repeat(64));
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.prev_hash).toBe(lines[i - 1]!.hash);
  });

  it("npm run audit:verify passes, then fails after tampering, and the page says so", async () => {
    const good = verifyScript();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain("Audit log intact: 2 entries");
    await pg.db.session(async (s) => {
      await s.exec("alter table audit_log disable trigger audit_log_append_only");
      await s.query("update audit_log set actor = '{\"type\":\"user\",\"name\":\"someone else\"}' where kind = 'task.status_override'");
      await s.exec("alter table audit_log enable trigger audit_log_append_only");
    });
    const bad = verifyScript();
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("Audit log TAMPERED: entry");
    await admin.get("/admin/audit");
    expect(admin.lastHtml).toContain("Tampering detected at entry");
  });
});
