import { beforeAll, describe, expect, it } from "vitest";
import { recordUsage } from "#app/db/costs.server";
import { createAgent, createRunningTask, createTask, createWorkspace, moveRunningTask } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { freePort } from "#tests/support/ports";
import { useTestServer } from "#tests/support/test-server";

// The agent page over HTTP: what it runs now, its tasks with outcome, cycle
// time and cost a page at a time, and the gateway panel saying plainly that
// there is no gateway to ask. A viewer reads all of it.

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/\s+/g, " ")
    .slice(0, 20_000);

describe("the agent page without a gateway", () => {
  const app = useTestServer();
  let viewer: FormClient;
  let admin: FormClient;
  let page: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    viewer = await app.signIn({ email: "viewer@example.test", name: "Vic Viewer", role: "viewer" });
    const ws = await createWorkspace(app.db);
    const agent = await createAgent(app.db, ws.id, { name: "Pager", openclaw_agent_id: "pager" });
    page = `/w/${ws.slug}/agents/${agent.id}`;
    const running = await createRunningTask(app.db, ws.id, agent.id, { title: "Running <b>now</b>" });
    await recordUsage(app.db, running.id, {
      source: "agent_api",
      dedupeKey: running.runId,
      runId: running.runId,
      usage: { model: "claude-sonnet-5", input_tokens: 1000, output_tokens: 500, cost_usd: 0.25 },
    });
    const done = await createRunningTask(app.db, ws.id, agent.id, { title: "Finished by hand" });
    await moveRunningTask(app.db, done.id, "done");
    // Enough closed tasks for a second page.
    for (let i = 0; i < 22; i++) await createTask(app.db, ws.id, { title: `Queued ${i}`, status: "assigned", assigned_agent_id: agent.id });
    ids = { running: running.id, done: done.id };
  });

  it("shows a viewer the current run, the tasks with outcome, cycle time and cost, and the gateway's absence", async () => {
    const res = await viewer.get(page);
    expect(res.status).toBe(200);
    const html = viewer.lastHtml;
    const words = text(html);
    // The current run: its task (escaped, linked), start time and state.
    expect(html).toContain("Running &lt;b&gt;now&lt;/b&gt;");
    expect(html).not.toContain("<b>now</b>");
    expect(html).toMatch(new RegExp(`data-testid="agent-now"[\\s\\S]*href="[^"]*/tasks/${ids.running}"`));
    expect(words).toMatch(/Now Running &lt;b&gt;now&lt;\/b&gt; In progress Running Started .* Tokens so far 1,500 Cost so far \$0\.25/);
    // The gateway panel says there is none to ask.
    expect(html).toContain('data-status="disabled"');
    expect(words).toContain("No OpenClaw gateway is configured");
    expect(html).not.toContain('data-testid="agent-config"');
    // The tasks: 24 in all, the first page of 20, with a link to more.
    expect(words).toContain("1–20 of 24");
    expect(html).toContain('data-testid="agent-tasks-more"');
    expect(html).toContain(`href="${page}?tasks=2"`);
    expect(words).toMatch(/Cycle time/);
    // Pause is for operators; a viewer has no forms.
    expect(html).not.toContain("Pause agent");
  });

  it("pages to the older tasks, with their outcome", async () => {
    expect((await viewer.get(`${page}?tasks=2`)).status).toBe(200);
    const words = text(viewer.lastHtml);
    expect(words).toContain("21–24 of 24");
    expect(words).toContain("Finished by hand");
    expect(words).toContain("Done by");
    expect(viewer.lastHtml).toContain('data-outcome="done_by_person"');
    expect(viewer.lastHtml).toContain(`href="${page}"`);
    // A page number that is not one reads as the first page; one past the end says so.
    expect((await viewer.get(`${page}?tasks=banana`)).status).toBe(200);
    expect(text(viewer.lastHtml)).toContain("1–20 of 24");
    expect((await viewer.get(`${page}?tasks=99`)).status).toBe(200);
    expect(text(viewer.lastHtml)).toContain("No tasks on this page.");
  });

  it("keeps the pause form for operators", async () => {
    await admin.get(page);
    expect(admin.lastHtml).toContain("Pause agent");
  });
});

describe("the agent page with the gateway down", () => {
  const app = useTestServer({
    env: async () => ({ OPENCLAW_GATEWAY_URL: `ws://127.0.0.1:${await freePort()}`, OPENCLAW_GATEWAY_TOKEN: "unused-token" }),
  });

  it("renders and says the gateway is not connected", async () => {
    await app.setUpAdmin();
    const viewer = await app.signIn({ email: "viewer2@example.test", name: "Val Viewer", role: "viewer" });
    const ws = await createWorkspace(app.db);
    const agent = await createAgent(app.db, ws.id, { name: "Offline", openclaw_agent_id: "main" });
    expect((await viewer.get(`/w/${ws.slug}/agents/${agent.id}`)).status).toBe(200);
    expect(viewer.lastHtml).toContain('data-status="disconnected"');
    expect(text(viewer.lastHtml)).toContain("The OpenClaw gateway is not connected right now");
    expect(text(viewer.lastHtml)).toContain("Not running anything.");
    expect(text(viewer.lastHtml)).toContain("No tasks are assigned to this agent.");
  });
});
