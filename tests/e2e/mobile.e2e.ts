import { AUTH_FILE, createTask, expect, test, unique } from "./fixtures";

test.use({ storageState: AUTH_FILE, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test("usable on a 390 px phone: no sideways page scroll, board columns swipe", async ({ page }) => {
  await page.goto("/");
  const name = unique("Phone");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const base = new URL(page.url()).pathname;
  await createTask(page, base, "A task with a rather long title that has to wrap nicely on a small screen");
  await page.goto(base);
  await expect(page.locator(".card").first()).toBeVisible();

  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.doc).toBeLessThanOrEqual(widths.view);
  const board = await page.locator(".board").evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(board.scroll).toBeGreaterThan(board.client);
  await page.screenshot({ path: "test-results/mobile-board.png" });

  for (const path of [
    "/",
    `${base}/tasks/new`,
    `${base}/agents`,
    `${base}/feed`,
    "/approvals",
    "/heartbeat",
    "/admin/users",
    "/admin/task-types",
    "/admin/audit",
    "/admin/prices",
    "/costs",
    `${base}/costs`,
    `${base}/analytics`,
    `${base}/pipelines`,
    `${base}/settings`,
  ]) {
    await page.goto(path);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(w, `page ${path} fits the screen`).toBeLessThanOrEqual(390);
  }
});
