import { beforeAll, describe, expect, it } from "vitest";
import { createAgentWithToken, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// The pipeline pages as operators and viewers use them, without JavaScript:
// plain forms, field errors with 4xx, viewers read but cannot write.
describe("pipeline pages", () => {
  const app = useTestServer();
  let admin: FormClient;
  let viewer: FormClient;
  let ws: { id: string; slug: string };
  let agents: string[];

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    viewer = await app.signIn({ email: "viewer@example.test", name: "Vic", role: "viewer" });
    ws = await createWorkspace(app.db);
    agents = [(await createAgentWithToken(app.db, ws.id, { name: "Drafter" })).id, (await createAgentWithToken(app.db, ws.id, { name: "Checker" })).id];
  });

  it("creates and edits a template with clear errors for bad input", async () => {
    const base = `/w/${ws.slug}/pipelines`;
    await admin.get(base);
    expect(admin.lastHtml).toContain("New pipeline");
    const empty = await admin.post(base, { intent: "create", name: " ", description: "" });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain("A name is required");
    const made = await admin.post(base, { intent: "create", name: "Review flow", description: "two steps" });
    expect(made.status).toBe(302);
    const page = made.headers.get("location")!;
    await admin.get(base);
    const twin = await admin.post(base, { intent: "create", name: "Review flow", description: "" });
    expect(twin.status).toBe(400);
    expect(await twin.text()).toContain("Already used in this workspace");

    await admin.get(page);
    const bad = await admin.post(page, { intent: "add-stage", name: "", agent_id: "nope", autonomy_level: "yolo" });
    expect(bad.status).toBe(400);
    const other = await createWorkspace(app.db);
    const stranger = await createAgentWithToken(app.db, other.id, { name: "Stranger" });
    const foreign = await admin.post(page, { intent: "add-stage", name: "Draft", agent_id: stranger.id, autonomy_level: "hitl" });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain("Choose an agent of this workspace");
    for (const [i, agent] of agents.entries()) {
      expect((await admin.post(page, { intent: "add-stage", name: `Step ${i + 1}`, agent_id: agent, autonomy_level: "hotl", gate_advance: "on" })).status).toBe(
        302,
      );
    }
    await admin.get(page);
    expect(admin.lastHtml).toContain("Step 2");
    const stages = await query<{ id: string; gate_advance: boolean }>(app.db, "select id, gate_advance from pipeline_stages order by position");
    expect(stages.map((s) => s.gate_advance)).toEqual([true, true]);
    const edit = await admin.post(page, { intent: "edit-stage", stage_id: stages[0]!.id, name: "Draft", agent_id: agents[0]!, autonomy_level: "autonomous" });
    expect(edit.status).toBe(302);
    const [edited] = await query<{ name: string; gate_advance: boolean; autonomy_level: string }>(
      app.db,
      "select name, gate_advance, autonomy_level from pipeline_stages where id = $1",
      [stages[0]!.id],
    );
    expect(edited).toEqual({ name: "Draft", gate_advance: false, autonomy_level: "autonomous" });
    await admin.get(page);
    expect((await admin.post(page, { intent: "move-stage", stage_id: stages[1]!.id, direction: "up" })).status).toBe(302);
    const [first] = await query<{ id: string }>(app.db, "select id from pipeline_stages where position = 1");
    expect(first!.id).toBe(stages[1]!.id);

    // A task on the pipeline starts at stage 1 with that stage's agent; the stage cannot then be deleted.
    await admin.get(`/w/${ws.slug}/tasks/new`);
    const [pipeline] = await query<{ id: string }>(app.db, "select id from pipelines");
    const task = await admin.post(`/w/${ws.slug}/tasks/new`, { title: "On the pipeline", pipeline_id: pipeline!.id, status: "inbox" });
    expect(task.status).toBe(302);
    const [row] = await query<{ status: string; assigned_agent_id: string }>(
      app.db,
      "select status, assigned_agent_id from tasks where title = 'On the pipeline'",
    );
    expect(row).toEqual({ status: "assigned", assigned_agent_id: agents[1] });
    await admin.get(page);
    const refused = await admin.post(page, { intent: "delete-stage", stage_id: stages[1]!.id });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Tasks are at this stage");
    await admin.get(`/w/${ws.slug}`);
    expect(admin.lastHtml).toContain("stage-chips");
    await admin.get(task.headers.get("location")!);
    expect(admin.lastHtml).toContain("stage-runs");
    await admin.get(base);
    expect(admin.lastHtml).toMatch(/<strong>1<\/strong>(<!-- -->)? open/);
  });

  it("lets viewers read but not write", async () => {
    const base = `/w/${ws.slug}/pipelines`;
    expect((await viewer.get(base)).status).toBe(200);
    expect(viewer.lastHtml).not.toContain("New pipeline");
    const res = await viewer.post(base, { intent: "create", name: "Nope", description: "" });
    expect(res.status).toBe(403);
    const [p] = await query<{ id: string }>(app.db, "select id from pipelines limit 1");
    expect((await viewer.get(`${base}/${p!.id}`)).status).toBe(200);
    expect(viewer.lastHtml).not.toContain("Add a stage");
    expect((await viewer.post(`${base}/${p!.id}`, { intent: "rename", name: "x", description: "" })).status).toBe(403);
    expect((await viewer.get(`${base}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });
});
