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
}

/** Every signed-in page for a seeded workspace, each with a short name (the screenshots' file names). */
export function namedPages({ base, task, agent }: Pick<SeededBoard, "base" | "task" | "agent">): Array<{ name: string; path: string }> {
  return [
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
    { name: "workspace-settings", path: `${base}/settings` },
    { name: "workspaces", path: "/" },
    { name: "approvals", path: "/approvals" },
    { name: "heartbeat", path: "/heartbeat" },
    { name: "costs", path: "/costs" },
    { name: "settings", path: "/settings" },
    { name: "admin-users", path: "/admin/users" },
    { name: "admin-task-types", path: "/admin/task-types" },
    { name: "admin-audit", path: "/admin/audit" },
    { name: "admin-audit-filtered", path: "/admin/audit?action=agent&q=Builder" },
    { name: "admin-prices", path: "/admin/prices" },
  ];
}

/** Every signed-in page, for a seeded workspace. */
export function appPages(seed: Pick<SeededBoard, "base" | "task" | "agent">): string[] {
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
  await page.goto(`${base}/agents`);
  const agentPath = await page.getByRole("link", { name: "Builder" }).getAttribute("href");
  return { base, task: `${base}/tasks/${used}`, agent: agentPath!, token };
}

/** The theme cookie as the server writes it (React Router's cookies hold base64 JSON). */
export function themeCookie(theme: "system" | "light" | "dark") {
  return { name: "mc_theme", value: Buffer.from(JSON.stringify(theme)).toString("base64"), url: server().url };
}
