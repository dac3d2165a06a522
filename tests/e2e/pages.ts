import type { Page } from "@playwright/test";
import { createWorkspace, expect, server, unique } from "./fixtures";

// Every page of the app, in one list: the width test, the accessibility test
// and the screenshots all go through it.

export interface SeededBoard {
  base: string;
  /** A task with usage, in progress. */
  task: string;
  agent: string;
  /** The agent's API token. */
  token: string;
  /** A task template's page and a routine's page on it. */
  template?: string;
  routine?: string;
  /** A pending approval's own page, with long arguments (/approvals/:id). */
  approval?: string;
  /** A notification channel's page (a webhook to a closed loopback port, switched off, with a failed test in its log). */
  channel?: string;
}

type PageSeed = Pick<SeededBoard, "base" | "task" | "agent"> & Partial<Pick<SeededBoard, "template" | "routine" | "approval" | "channel">>;

/** Every signed-in page for a seeded workspace, each with a short name (the screenshots' file names). */
export function namedPages({ base, task, agent, template, routine, approval, channel }: PageSeed): Array<{ name: string; path: string }> {
  return [
    ...(channel ? [{ name: "notification-channel", path: channel }] : []),
    { name: "board", path: base },
    { name: "board-cancelled", path: `${base}?cancelled=1` },
    { name: "board-more-done", path: `${base}?more=done&n=200` },
    { name: "board-filtered", path: `${base}?q=Task&priority=urgent&due=none` },
    { name: "list", path: `${base}?view=list` },
    { name: "list-sorted-page-2", path: `${base}?view=list&sort=title&dir=desc&page=2` },
    { name: "task", path: task },
    { name: "task-edit-title", path: `${task}?edit=title` },
    { name: "task-edit-description", path: `${task}?edit=description` },
    { name: "task-edit-assignee", path: `${task}?edit=assignee` },
    { name: "agent", path: agent },
    { name: "task-new", path: `${base}/tasks/new` },
    { name: "agents", path: `${base}/agents` },
    { name: "feed", path: `${base}/feed` },
    { name: "workspace-costs", path: `${base}/costs` },
    { name: "analytics", path: `${base}/analytics` },
    { name: "pipelines", path: `${base}/pipelines` },
    { name: "templates", path: `${base}/templates` },
    { name: "routines", path: `${base}/routines` },
    { name: "workspace-settings", path: `${base}/settings` },
    { name: "workspaces", path: "/" },
    { name: "approvals", path: "/approvals" },
    ...(approval ? [{ name: "approval", path: approval }] : []),
    { name: "heartbeat", path: "/heartbeat" },
    { name: "costs", path: "/costs" },
    { name: "settings", path: "/settings" },
    { name: "notifications", path: "/settings/notifications" },
    { name: "admin-users", path: "/admin/users" },
    { name: "admin-task-types", path: "/admin/task-types" },
    { name: "admin-audit", path: "/admin/audit" },
    { name: "admin-audit-filtered", path: "/admin/audit?action=agent&q=Builder" },
    { name: "admin-prices", path: "/admin/prices" },
    { name: "admin-gateways", path: "/admin/gateways" },
    ...(template ? [{ name: "template", path: template }] : []),
    ...(routine ? [{ name: "routine", path: routine }] : []),
  ];
}

/** Every signed-in page, for a seeded workspace. */
export function appPages(seed: PageSeed): string[] {
  return namedPages(seed).map((p) => p.path);
}

/**
 * A board as people have it after a few weeks: cards in every status, long
 * titles (one with a word that cannot wrap), an agent, usage on a task.
 */
const PATHS: Record<string, string[]> = {
  planning: [],
  inbox: [],
  assigned: [],
  in_progress: ["in_progress"],
  testing: ["in_progress", "testing"],
  review: ["in_progress", "review"],
  done: ["in_progress", "review", "done"],
  cancelled: ["cancelled"],
};
const STATUSES = Object.keys(PATHS);

function title(i: number): string {
  if (i % 17 === 0) return `Fetch https://example.test/reports/quarterly/${"x".repeat(60)}/summary.pdf and file it`;
  if (i % 3 === 0) return `Task ${i}: reconcile the supplier invoices against the purchase orders and flag every mismatch for the finance team`;
  return `Task ${i}: short one`;
}

async function csrfOf(page: Page, path: string): Promise<string> {
  await page.goto(path);
  return page.locator('input[name="csrf"]').first().inputValue();
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/** An approval's arguments as an agent may send them: many, some long, one nested. */
export function longArgs(): Record<string, unknown> {
  return {
    ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`setting_${i}`, `value ${i} `.repeat(12).trim()])),
    script: Array.from({ length: 30 }, (_, i) => `step ${i}: run the migration for shard ${i} and check the row counts`).join("\n"),
    nested: { region: "eu-west-1", replicas: 3 },
  };
}

export async function seedBoard(page: Page, total: number): Promise<SeededBoard> {
  const base = await createWorkspace(page, unique("Wide"));
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Builder");
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = (await page.getByTestId("agent-token").innerText()).trim();

  await page.goto(`${base}/tasks/new`);
  const agentId = await page.getByLabel("Assignee").locator("option", { hasText: "Builder" }).getAttribute("value");
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const tasks: Array<{ id: string; status: string }> = [];
  await inBatches(
    Array.from({ length: total }, (_, i) => i),
    8,
    async (i) => {
      const status = STATUSES[i % STATUSES.length]!;
      const start = status === "planning" || status === "inbox" ? status : "assigned";
      const res = await page.request.post(`${base}/tasks/new`, {
        form: { csrf, title: title(i), priority: ["low", "normal", "high", "urgent"][i % 4]!, assigned_agent_id: agentId ?? "", status: start },
        maxRedirects: 0,
      });
      expect(res.status(), await res.text()).toBe(302);
      tasks.push({ id: res.headers().location!.split("/").pop()!, status });
    },
  );
  const moveCsrf = await csrfOf(page, base);
  await inBatches(tasks, 8, async (task) => {
    for (const to of PATHS[task.status] ?? []) {
      const res = await page.request.post(`${base}?index`, { form: { csrf: moveCsrf, intent: "move", taskId: task.id, status: to }, maxRedirects: 0 });
      expect(res.status(), await res.text()).toBe(302);
    }
  });

  // A task with a long per-run usage table.
  const used = tasks.find((t) => t.status === "in_progress")!.id;
  for (let i = 0; i < 6; i++) {
    const res = await page.request.post(`${server().url}/api/agent/tasks/${used}/usage`, {
      headers: { authorization: `Bearer ${token}` },
      data: { model: `provider/some-rather-long-model-name-${i}`, input_tokens: 123456 * (i + 1), output_tokens: 65432, cost_usd: 1.2345 },
    });
    expect(res.status()).toBe(201);
  }
  // A template and a routine on it, with a long name.
  const templateCsrf = await csrfOf(page, `${base}/templates`);
  const made = await page.request.post(`${base}/templates`, {
    form: {
      csrf: templateCsrf,
      intent: "create",
      name: "Weekly supplier reconciliation",
      title: title(3),
      priority: "high",
      status: "assigned",
      assigned_agent_id: agentId ?? "",
      labels: "finance, weekly",
    },
    maxRedirects: 0,
  });
  expect(made.status(), await made.text()).toBe(302);
  await page.goto(`${base}/templates`);
  const template = await page.getByRole("link", { name: "Weekly supplier reconciliation" }).getAttribute("href");
  const routineCsrf = await csrfOf(page, `${base}/routines`);
  const routine = await page.request.post(`${base}/routines`, {
    form: {
      csrf: routineCsrf,
      intent: "create",
      name: "Every Monday morning, before the finance meeting",
      template_id: template!.split("/").pop()!,
      schedule: "30 8 * * 1",
      time_zone: "America/Argentina/Rio_Gallegos",
    },
    maxRedirects: 0,
  });
  expect(routine.status(), await routine.text()).toBe(302);

  // A request with long arguments, for the approval's own page.
  const asked = await page.request.post(`${server().url}/api/agent/approvals`, {
    headers: { authorization: `Bearer ${token}` },
    data: { task_id: used, action: "deploy", args: longArgs(), target: "web-1.internal.example.test", reason: "Release 1.2: ".padEnd(400, "reasons ") },
  });
  expect(asked.status(), await asked.text()).toBe(201);
  const approval = `/approvals/${((await asked.json()) as { id: string }).id}`;
  await page.goto(`${base}/agents`);
  const agentPath = await page.getByRole("link", { name: "Builder" }).getAttribute("href");

  // A notification channel, switched off so the board's events are not sent to it, with a test sent (it fails: nothing listens).
  const notifyCsrf = await csrfOf(page, "/settings/notifications");
  const added = await page.request.post(`${server().url}/settings/notifications`, {
    form: { csrf: notifyCsrf, intent: "add-webhook", kind: "webhook", name: unique("Hook"), url: "http://127.0.0.1:9/hook" },
    maxRedirects: 0,
  });
  expect(added.status(), await added.text()).toBe(302);
  const channel = added.headers().location!;
  const channelId = channel.split("/").pop()!;
  const off = await page.request.post(`${server().url}/settings/notifications`, { form: { csrf: notifyCsrf, intent: "preferences" }, maxRedirects: 0 });
  expect(off.status(), await off.text()).toBe(302);
  const tested = await page.request.post(`${server().url}${channel}`, { form: { csrf: notifyCsrf, intent: "test", channel_id: channelId }, maxRedirects: 0 });
  expect(tested.status(), await tested.text()).toBe(302);

  // API keys on Your settings (decision 050): one in use and one revoked, so the sweeps read the keys table.
  const settingsCsrf = await csrfOf(page, "/settings");
  for (const name of [unique("Deploy key"), unique("Old key")]) {
    const made = await page.request.post(`${server().url}/settings`, {
      form: { csrf: settingsCsrf, intent: "create-key", name, scope_read: "1", scope_write: "1", expires_in_days: "30" },
      maxRedirects: 0,
    });
    expect(made.status(), await made.text()).toBe(201);
  }
  await page.goto("/settings");
  const oldKey = await page.locator("#api-keys tr", { hasText: "Old key" }).first().getAttribute("data-key-id");
  const revoked = await page.request.post(`${server().url}/settings`, { form: { csrf: settingsCsrf, intent: "revoke-key", key_id: oldKey! }, maxRedirects: 0 });
  expect(revoked.status(), await revoked.text()).toBe(302);
  return { base, task: `${base}/tasks/${used}`, agent: agentPath!, token, template: template!, routine: routine.headers().location!, approval, channel };
}

/** The theme cookie as the server writes it (React Router's cookies hold base64 JSON). */
export function themeCookie(theme: "system" | "light" | "dark") {
  return { name: "mc_theme", value: Buffer.from(JSON.stringify(theme)).toString("base64"), url: server().url };
}
