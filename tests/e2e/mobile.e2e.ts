import type { Browser, Page } from "@playwright/test";
import { AUTH_FILE, createTask, createWorkspace, expect, server, test, unique } from "./fixtures";
import { richTask } from "./task-page-support";

test.use({ storageState: AUTH_FILE });

// A board as people have it after a few weeks: hundreds of cards in every
// status, long titles (one with a word that cannot wrap), usage on a task.
const TOTAL = 240;
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

async function seedBoard(page: Page) {
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
    Array.from({ length: TOTAL }, (_, i) => i),
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
  return { base, task: `${base}/tasks/${used}`, agent: agentPath! };
}

async function richTaskPage(page: Page): Promise<string> {
  const t = await richTask(page, "Wide task");
  await t.ask({ env: "prod", note: `${"long-".repeat(40)}value`, nested: { regions: ["eu-west-1", "us-east-1"], canary: true } });
  await page.goto(t.url);
  await page
    .getByLabel("File to attach")
    .setInputFiles({ name: `${"very-long-name-".repeat(8)}.txt`, mimeType: "text/plain", buffer: Buffer.from("x".repeat(400)) });
  await page.getByRole("button", { name: "Attach file", exact: true }).click();
  await expect(page.locator("#files").getByRole("status")).toBeVisible();
  return t.url;
}

async function documentWidth(browser: Browser, viewport: { width: number; height: number }, javaScriptEnabled: boolean, paths: string[]) {
  const phone = viewport.width < 640;
  const context = await browser.newContext({ storageState: AUTH_FILE, viewport, isMobile: phone, hasTouch: phone, javaScriptEnabled });
  const page = await context.newPage();
  const wide: string[] = [];
  for (const path of paths) {
    await page.goto(path);
    await expect(page.locator("main").first()).toBeVisible();
    const w = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
    if (Math.max(w.doc, w.body) > viewport.width) wide.push(`${path}: ${Math.max(w.doc, w.body)} px`);
  }
  await context.close();
  return wide;
}

test("no page is wider than the screen, on a phone and a desktop, with a realistic board", async ({ page, browser }) => {
  test.setTimeout(480_000);
  const { base, task, agent } = await seedBoard(page);
  // A task page with everything on it: approvals waiting, checks, previews of every kind, attached files.
  const rich = await richTaskPage(page);
  await page.goto(base);
  await expect(page.locator('[data-status="done"] .card').first()).toBeVisible();
  await expect(page.locator('[data-status="review"] .card').first()).toBeVisible();

  const paths = [
    base,
    `${base}?cancelled=1`,
    `${base}?more=done&n=200`,
    `${base}?q=Task&priority=urgent&due=none`,
    `${base}?view=list`,
    `${base}?view=list&sort=title&dir=desc&page=2`,
    task,
    `${task}?edit=title`,
    `${task}?edit=description`,
    `${task}?edit=assignee`,
    rich,
    agent,
    `${base}/tasks/new`,
    `${base}/agents`,
    `${base}/feed`,
    `${base}/costs`,
    `${base}/analytics`,
    `${base}/pipelines`,
    `${base}/settings`,
    "/",
    "/approvals",
    "/heartbeat",
    "/costs",
    "/admin/users",
    "/admin/task-types",
    "/admin/audit",
    "/admin/audit?action=agent&q=Builder",
    "/admin/prices",
  ];
  // At 1440 px every lane is on screen, and "Needs you" is one row above them.
  const desktop = await browser.newContext({ storageState: AUTH_FILE, viewport: { width: 1440, height: 900 } });
  const wide = await desktop.newPage();
  for (const path of [base, `${base}?cancelled=1`]) {
    await wide.goto(path);
    const lanes = await wide.locator(".board > .column").evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().right)));
    expect(lanes).toHaveLength(path === base ? 7 : 8);
    for (const right of lanes) expect(right, `every lane of ${path} is on screen`).toBeLessThanOrEqual(1440);
  }
  await desktop.close();

  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1440, height: 900 },
  ]) {
    for (const js of [true, false]) {
      const wide = await documentWidth(browser, viewport, js, paths);
      expect.soft(wide, `pages wider than ${viewport.width} px with JavaScript ${js ? "on" : "off"}`).toEqual([]);
    }
  }
});

for (const javaScriptEnabled of [true, false]) {
  test(`on a phone the board shows one lane at a time, with a lane switcher (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({ browser }) => {
    const context = await browser.newContext({
      storageState: AUTH_FILE,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled,
    });
    const page = await context.newPage();
    const base = await createWorkspace(page, unique("Phone"));
    await page.goto(`${base}/tasks/new`);
    await page.getByLabel("Title").fill("A task with a rather long title that has to wrap nicely on a small screen");
    await page.getByRole("button", { name: "Create task" }).click();
    await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
    await page.goto(`${base}/tasks/new`);
    await page.getByLabel("Title").fill("Plan the next release");
    await page.getByLabel("Start in").selectOption("planning");
    await page.getByRole("button", { name: "Create task" }).click();
    await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
    await page.goto(base);
    await expect(page.locator(".card").first()).toBeVisible();
    const board = page.locator(".board");
    const size = await board.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(size.scroll).toBeGreaterThan(size.client);
    // The first screen shows a lane, not an empty "Needs you".
    expect((await page.locator(".needs-you").boundingBox())!.height).toBeLessThan(60);
    const first = (await page.locator("#lane-planning").boundingBox())!;
    expect(first.x).toBeGreaterThanOrEqual(0);
    expect(first.x + first.width).toBeLessThanOrEqual(390);
    expect(first.width).toBeGreaterThan(300);
    expect(first.y).toBeLessThan(844 / 2);
    await expect(page.locator("#lane-inbox .card")).not.toBeInViewport({ ratio: 0.5 });
    // An empty lane folds to a narrow column.
    expect((await page.locator("#lane-done").boundingBox())!.width).toBeLessThan(60);
    // The lane switcher is plain links to each lane, with its count.
    const lanes = page.getByRole("navigation", { name: "Lanes" });
    await expect(lanes.getByRole("link", { name: "Inbox 1" })).toBeVisible();
    await lanes.getByRole("link", { name: /^Inbox/ }).click();
    await expect(page).toHaveURL(/#lane-inbox$/);
    await expect(page.locator("#lane-inbox .card")).toBeInViewport({ ratio: 0.9 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });
}

test("at 1440 px empty lanes fold to a narrow column and a card's move menu is one small button", async ({ browser }) => {
  const context = await browser.newContext({ storageState: AUTH_FILE, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const base = await createWorkspace(page, unique("Sparse"));
  const taskId = await createTask(page, base, "Write the launch note");
  await page.goto(base);
  const card = page.locator(`[data-task-id="${taskId}"]`);
  await expect(card).toBeVisible();
  expect((await page.locator("#lane-done").boundingBox())!.width).toBeLessThan(60);
  await expect(page.locator("#lane-done")).toContainText("Done");
  expect((await page.locator("#lane-inbox").boundingBox())!.width).toBeGreaterThan(300);
  await expect(page.getByRole("navigation", { name: "Lanes" })).toBeHidden();
  // Two tab stops a card: its title and its menu; the choices show only once it is open.
  await expect(card.locator("select")).toHaveCount(0);
  await expect(card.getByRole("button", { name: "Planning" })).toBeHidden();
  expect((await card.boundingBox())!.height).toBeLessThan(80);
  await card.locator(".move-menu > summary").click();
  await card.getByRole("button", { name: "Planning" }).click();
  await expect(page.locator(`[data-status="planning"] [data-task-id="${taskId}"]`)).toBeVisible();
  // Inbox stays open when empty, for its quick add (decision 028); an emptied lane otherwise folds.
  await expect(page.locator("#lane-inbox")).not.toHaveClass(/lane-empty/);
  await expect(page.locator("#lane-inbox .quick-add")).toBeVisible();
  await card.locator(".move-menu > summary").click();
  await card.getByRole("button", { name: "Cancelled" }).click();
  await expect(page.locator("#lane-planning")).toHaveClass(/lane-empty/);
  await context.close();
});
