import { beforeAll, describe, expect, it } from "vitest";
import { agentSetStatus } from "#app/db/agent-api.server";
import { formatDateTime, localDay } from "#app/domain/time";
import { createAgentWithToken, createTask, createWorkspace, query, unique, updateTask } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// Each user's time zone: sent by the browser at sign-in, changed on Your
// settings (a plain form), and used for every time and due day on the pages.
describe("time zones over HTTP", () => {
  const app = useTestServer();
  let ws: { id: string; slug: string };

  beforeAll(async () => {
    await app.setUpAdmin();
    ws = await createWorkspace(app.db);
  });

  const zoneOf = async (email: string) =>
    (await query<{ time_zone: string | null }>(app.db, "select time_zone from users where email = $1", [email]))[0]!.time_zone;

  async function newUser(role = "operator") {
    const email = `${unique("tz")}@example.test`;
    await query(app.db, "insert into users (email, name, role, password_hash) select $1, 'Zoned', $2, password_hash from users where role = 'admin'", [
      email,
      role,
    ]);
    return email;
  }

  async function signInWith(email: string, timeZone: string | undefined) {
    const client = new FormClient(app.url);
    await client.get("/login");
    const res = await client.post("/login", {
      email,
      password: TEST_ADMIN.password,
      redirectTo: "/",
      ...(timeZone === undefined ? {} : { time_zone: timeZone }),
    });
    expect(res.status).toBe(302);
    return client;
  }

  it("stores the zone the browser sends at the first sign-in, and only then", async () => {
    const email = await newUser();
    await signInWith(email, "Pacific/Auckland");
    expect(await zoneOf(email)).toBe("Pacific/Auckland");
    await signInWith(email, "Europe/Paris");
    expect(await zoneOf(email)).toBe("Pacific/Auckland");
  });

  it("ignores a zone it does not know at sign-in instead of refusing the sign-in", async () => {
    const email = await newUser();
    await signInWith(email, "Mars/Olympus_Mons");
    await signInWith(email, "");
    expect(await zoneOf(email)).toBeNull();
  });

  it("lets any user pick a zone on Your settings without JavaScript; an unknown one is a 400 that changes nothing", async () => {
    const email = await newUser("viewer");
    const client = await signInWith(email, undefined);
    expect((await client.get("/settings")).status).toBe(200);
    expect(client.lastHtml).toContain("None is set yet, so times are in UTC.");
    expect(client.lastHtml).toContain('<option value="Asia/Tokyo">Asia/Tokyo</option>');

    const saved = await client.post("/settings", { time_zone: "Asia/Tokyo" });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("location")).toBe("/settings?saved=1");
    await client.get("/settings?saved=1");
    expect(client.lastHtml).toMatch(/role="status"[^>]*>Saved\. It is now .* GMT\+9/);
    expect(await zoneOf(email)).toBe("Asia/Tokyo");

    for (const bad of [{ time_zone: "Mars/Base" }, { time_zone: "" }, {}] as Record<string, string>[]) {
      const refused = await client.post("/settings", bad);
      expect(refused.status).toBe(400);
      expect(client.lastHtml).toContain("Choose a time zone from the list");
    }
    expect(await zoneOf(email)).toBe("Asia/Tokyo");
  });

  it("shows a task due today as due today all day in the reader's zone, and one due yesterday as overdue", async () => {
    const email = await newUser();
    const client = await signInWith(email, "America/Los_Angeles");
    const today = localDay(new Date(), "America/Los_Angeles");
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const dueToday = await createTask(app.db, ws.id, { title: unique("Due today"), due_at: `${today}T00:00:00Z` });
    const late = await createTask(app.db, ws.id, { title: unique("Late"), due_at: `${yesterday}T00:00:00Z` });

    await client.get(`/w/${ws.slug}`);
    const card = (id: string) => new RegExp(`data-task-id="${id}"[\\s\\S]*?</article>`).exec(client.lastHtml)![0];
    expect(card(dueToday.id)).toContain('class="due due-today"');
    expect(card(dueToday.id)).toContain("due today");
    expect(card(dueToday.id)).not.toContain("overdue");
    expect(card(late.id)).toContain('class="due overdue"');

    await client.get(`/w/${ws.slug}/tasks/${late.id}`);
    expect(client.lastHtml).toMatch(/data-testid="task-due"[^>]*>[^<]+(<!-- -->)? \(overdue\)/);
    const [row] = await query<{ created_at: Date }>(app.db, "select created_at from tasks where id = $1", [late.id]);
    // The absolute time, in the reader's zone, is the title of the relative one.
    expect(client.lastHtml).toContain(`title="${formatDateTime(row!.created_at, "America/Los_Angeles")}"`);
  });

  it("words moves with status labels, fields with their names, and lists an agent's move once in the feed", async () => {
    const client = await signInWith(await newUser(), "UTC");
    const agent = await createAgentWithToken(app.db, ws.id);
    const title = unique("Worded");
    const task = await createTask(app.db, ws.id, { title });
    await updateTask(app.db, task.id, { assigned_agent_id: agent.id, due_at: "2030-01-15T00:00:00Z" });
    await updateTask(app.db, task.id, { status: "assigned" });
    await agentSetStatus(app.db, agent.id, task.id, { status: "in_progress", summary: "Starting" });

    await client.get(`/w/${ws.slug}/tasks/${task.id}`);
    expect(client.lastHtml).toContain("Updated assignee, due date");
    expect(client.lastHtml).toContain("Moved from Inbox to Assigned");
    expect(client.lastHtml).toContain("Moved from Assigned to In progress");
    expect(client.lastHtml).toMatch(/data-testid="task-due"[^>]*>15 Jan 2030</);

    await client.get(`/w/${ws.slug}/feed`);
    const items = client.lastHtml.split('class="feed-item').filter((li) => li.includes(title));
    const moves = items.filter((li) => /Assigned(<!-- -->)? to (<!-- -->)?In progress/i.test(li));
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatch(/moved/);
  });
});
