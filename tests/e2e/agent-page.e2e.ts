import type { Page } from "@playwright/test";
import { AUTH_FILE, expect, test, JS_AND_VIEWPORTS } from "./fixtures";
import { seedBoard } from "./pages";

// The agent page as an operator reads it, with JavaScript on and off, on a
// desktop and a phone: what the agent runs now, the gateway panel (this
// server has no gateway: it says so), its tasks with outcome, cycle time and
// cost, and the next page of them. Nothing may widen the page; each view is
// saved as a screenshot to look at.
test.use({ storageState: AUTH_FILE });

async function fitsTheScreen(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

for (const { js, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`JavaScript ${js ? "on" : "off"} at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("shows the current run, the gateway's state and the tasks a page at a time", async ({ page }) => {
      const seed = await seedBoard(page, 26);
      await page.goto(seed.agent);
      await expect(page.getByRole("heading", { level: 1 })).toContainText("Builder");

      const now = page.getByTestId("agent-now");
      await expect(now.getByRole("heading", { name: "Now" })).toBeVisible();
      // The seeded in-progress tasks are what it runs now; the one with usage shows its cost so far.
      await expect(now.getByRole("link", { name: /Task \d+/ }).first()).toBeVisible();
      await expect(now).toContainText("Cost so far");

      const gateway = page.getByTestId("agent-gateway");
      await expect(gateway).toContainText("No OpenClaw gateway is configured");

      const tasks = page.getByTestId("agent-tasks");
      // On a phone the table stacks: every value under its column's name.
      await expect(tasks.locator('td[data-label="Cycle time"]').first()).toBeVisible();
      await expect(tasks).toContainText("1–20 of 26");
      // Open tasks come first.
      await expect(tasks.locator('tr[data-outcome="open"]')).toHaveCount(20);
      await fitsTheScreen(page, viewport.width);
      await page.screenshot({ path: `test-results/agent-page/js-${js ? "on" : "off"}-${viewport.width}.png`, fullPage: true });

      await tasks.getByTestId("agent-tasks-more").click();
      await expect(page).toHaveURL(/\?tasks=2$/);
      await expect(page.getByTestId("agent-tasks")).toContainText("21–26 of 26");
      // Then the closed ones, with who moved them: these were moved to done by a person, not reported complete.
      await expect(page.getByTestId("agent-tasks").locator('tr[data-outcome="done_by_person"]')).toHaveCount(3);
      await expect(page.getByTestId("agent-tasks").locator('tr[data-outcome="cancelled"]')).toHaveCount(3);
      await expect(page.getByTestId("agent-tasks").getByRole("link", { name: "← Newer tasks" })).toBeVisible();
      await fitsTheScreen(page, viewport.width);
      await page.screenshot({ path: `test-results/agent-page/js-${js ? "on" : "off"}-${viewport.width}-page-2.png`, fullPage: true });
    });
  });
}
