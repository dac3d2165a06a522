import { beforeAll, describe, expect, it } from "vitest";
import { createAgent, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { SECRETS } from "#tests/support/secrets";
import { useTestServer } from "#tests/support/test-server";

// Task templates and routines over HTTP (decision 046): the plain forms
// create, edit, pause and resume; bad schedules, unknown zones and another
// workspace's agent or template get a 400 and change nothing; a viewer is
// refused; the heartbeat creates a due routine's task, shown on its page; and
// a template prefills the new-task form.
describe("routines over HTTP", () => {
  const app = useTestServer();
  let admin: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };
  let templateId: string;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await app.db.session((s) =>
      s.query(
        "insert into users (email, name, role, password_hash) select 'viewer@routines.test', 'Vic Viewer', 'viewer', password_hash from users where role = 'admin'",
      ),
    );
    viewer = new FormClient(app.url);
    await viewer.get("/login");
    expect((await viewer.post("/login", { email: "viewer@routines.test", password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    ws = await createWorkspace(app.db);
  });

  const post = async (client: FormClient, path: string, fields: Record<string, string>) => {
    await client.get(path);
    return client.post(path, fields);
  };
  const count = async (table: string) => Number((await query<{ n: string }>(app.db, `select count(*) as n from ${table}`))[0]!.n);
  const template = {
    intent: "create",
    name: "Standup notes",
    title: "Write the standup notes",
    description: "Yesterday, today, blockers",
    priority: "high",
    status: "inbox",
    assigned_agent_id: "",
    task_type_id: "",
    labels: "daily, notes",
  };

  it("creates and edits a template, refuses another workspace's agent, and prefills a new task from it", async () => {
    const templates = `/w/${ws.slug}/templates`;
    expect((await post(admin, templates, template)).status).toBe(302);
    templateId = (await query<{ id: string }>(app.db, "select id from task_templates where workspace_id = $1", [ws.id]))[0]!.id;
    const other = await createWorkspace(app.db);
    const stranger = await createAgent(app.db, other.id, { name: "Stranger" });
    const before = await count("task_templates");
    for (const bad of [
      { ...template, assigned_agent_id: stranger.id, status: "assigned" },
      { ...template, name: "" },
      { ...template, title: "x".repeat(501) },
      { ...template, status: "done" },
      { ...template, labels: Array.from({ length: 11 }, (_, i) => `l${i}`).join(",") },
      { ...template, extra: "1" },
    ]) {
      expect((await post(admin, templates, bad)).status, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    expect(await count("task_templates")).toBe(before);
    expect((await post(viewer, templates, template)).status).toBe(403);

    const page = `${templates}/${templateId}`;
    expect((await post(admin, page, { ...template, intent: "edit", priority: "urgent" })).status).toBe(302);
    expect((await query<{ priority: string }>(app.db, "select priority from task_templates where id = $1", [templateId]))[0]!.priority).toBe("urgent");

    await admin.get(`/w/${ws.slug}/tasks/new?template=${templateId}`);
    expect(admin.lastHtml).toContain('data-testid="from-template"');
    expect(admin.lastHtml).toContain('value="Write the standup notes"');
    expect(admin.lastHtml).toContain('value="daily, notes"');
  });

  it("creates, edits, pauses and resumes a routine; refuses a bad schedule, zone or template with nothing written", async () => {
    const routines = `/w/${ws.slug}/routines`;
    const routine = { intent: "create", name: "Weekday standup", template_id: templateId, schedule: "0 9 * * 1-5", time_zone: "Europe/Berlin" };
    const other = await createWorkspace(app.db);
    const [{ id: theirs }] = (await query<{ id: string }>(
      app.db,
      "insert into task_templates (workspace_id, name, title) values ($1, 'Theirs', 'Theirs') returning id",
      [other.id],
    )) as [{ id: string }];
    for (const [bad, field] of [
      [{ ...routine, schedule: "every morning" }, "schedule"],
      [{ ...routine, schedule: "61 9 * * *" }, "schedule"],
      [{ ...routine, schedule: "0 9 * *" }, "schedule"],
      [{ ...routine, time_zone: "Mars/Olympus_Mons" }, "time_zone"],
      [{ ...routine, template_id: theirs }, "template_id"],
      [{ ...routine, template_id: "not-an-id" }, "template_id"],
      [{ ...routine, name: "n".repeat(81) }, "name"],
    ] as const) {
      const res = await post(admin, routines, bad);
      expect(res.status, field).toBe(400);
      expect(await res.text()).toContain(field === "time_zone" ? "Choose a time zone from the list" : "");
    }
    expect(await count("routines")).toBe(0);
    expect((await post(viewer, routines, routine)).status).toBe(403);

    const created = await post(admin, routines, routine);
    expect(created.status).toBe(302);
    const page = created.headers.get("location")!;
    const [row] = await query<{ id: string; next_run_at: Date }>(app.db, "select id, next_run_at from routines where workspace_id = $1", [ws.id]);
    expect(page).toBe(`${routines}/${row!.id}`);
    // 09:00 in Berlin is 07:00 or 08:00 UTC, on a weekday.
    expect([7, 8]).toContain(row!.next_run_at.getUTCHours());
    expect([1, 2, 3, 4, 5]).toContain(row!.next_run_at.getUTCDay());
    await admin.get(page);
    expect(admin.lastHtml).toContain("Times in Europe/Berlin, the routine&#x27;s time zone.");
    expect((admin.lastHtml.match(/<li><time dateTime=/g) ?? []).length).toBe(5);

    // Editing the schedule recomputes the next run; a bad edit changes nothing.
    expect((await post(admin, page, { ...routine, intent: "edit", schedule: "30 6 * * *", time_zone: "UTC" })).status).toBe(302);
    const [edited] = await query<{ next_run_at: Date; schedule: string }>(app.db, "select next_run_at, schedule from routines where id = $1", [row!.id]);
    expect(edited!.schedule).toBe("30 6 * * *");
    expect([edited!.next_run_at.getUTCHours(), edited!.next_run_at.getUTCMinutes()]).toEqual([6, 30]);
    expect((await post(admin, page, { ...routine, intent: "edit", schedule: "30 6 * *" })).status).toBe(400);
    expect((await query<{ schedule: string }>(app.db, "select schedule from routines where id = $1", [row!.id]))[0]!.schedule).toBe("30 6 * * *");

    expect((await post(viewer, page, { intent: "pause" })).status).toBe(403);
    expect((await post(admin, page, { intent: "pause" })).status).toBe(302);
    expect((await query<{ paused_at: Date | null }>(app.db, "select paused_at from routines where id = $1", [row!.id]))[0]!.paused_at).not.toBeNull();
    await admin.get(page);
    expect(admin.lastHtml).toContain("Resume routine");
    expect((await post(admin, page, { intent: "resume" })).status).toBe(302);
    expect((await query<{ paused_at: Date | null }>(app.db, "select paused_at from routines where id = $1", [row!.id]))[0]!.paused_at).toBeNull();
    expect((await post(admin, page, { intent: "resume", extra: "1" })).status).toBe(400);

    // The heartbeat creates the due run's task, once; the page links it.
    await query(app.db, "update routines set next_run_at = now() - interval '2 days' where id = $1", [row!.id]);
    const beat = () => fetch(`${app.url}/api/heartbeat?token=${SECRETS.MC_API_TOKEN}`, { method: "POST" });
    const first = await beat();
    expect(first.status).toBe(200);
    expect((await beat()).status).toBe(200);
    const runs = await query<{ outcome: string; task_id: string | null }>(
      app.db,
      "select outcome, task_id from routine_runs where routine_id = $1 and outcome = 'created'",
      [row!.id],
    );
    expect(runs).toHaveLength(1);
    await admin.get(page);
    expect(admin.lastHtml).toContain(`/w/${ws.slug}/tasks/${runs[0]!.task_id}`);
    expect(admin.lastHtml).toMatch(/Created; \d missed runs? before it skipped/);

    // A template in use is not deleted.
    const del = await post(admin, `/w/${ws.slug}/templates/${templateId}`, { intent: "delete" });
    expect(del.status).toBe(409);
    expect(await del.text()).toContain("Routines use this template");
    expect((await post(admin, page, { intent: "delete" })).status).toBe(302);
    expect(await count("routines")).toBe(0);
    expect((await post(admin, `/w/${ws.slug}/templates/${templateId}`, { intent: "delete" })).status).toBe(302);
  });
});
