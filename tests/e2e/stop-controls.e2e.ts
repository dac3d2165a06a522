import type { Page } from "@playwright/test";
import { AUTH_FILE, JS_AND_VIEWPORTS, createWorkspace, expect, test, unique } from "./fixtures";

// The stop controls as an operator uses them (decision 035), with JavaScript
// on and off, on a desktop and on a phone: the emergency stop from the
// Heartbeat page, the banner every page shows while it holds, resuming from
// the banner, and a workspace's pause from its settings. Each test resumes
// what it stopped, even when it fails: the other tests share this server.
test.use({ storageState: AUTH_FILE });

async function resumeEverything(page: Page) {
  await page.goto("/heartbeat");
  const resume = page.getByRole("button", { name: "Resume dispatch" });
  if (await resume.count()) await resume.first().click();
}

async function fitsTheScreen(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("an admin stops every run from the Heartbeat page, every page says so, and the banner resumes it", async ({ page }) => {
      try {
        await page.goto("/heartbeat");
        await page.getByLabel("Reason (shown to everyone while it holds)").fill("Spend spike under review");
        await page.getByRole("button", { name: "Emergency stop: abort every run" }).click();
        await expect(page).toHaveURL(/\/heartbeat$/);
        const banner = page.getByTestId("emergency-banner");
        await expect(banner).toContainText("Emergency stop.");
        await expect(banner).toContainText("Spend spike under review");
        await expect(page.getByRole("status").filter({ hasText: "nothing is dispatched until an admin resumes" })).toBeVisible();
        // The form to stop is gone while it holds; the banner holds the way back.
        await expect(page.getByRole("button", { name: "Emergency stop: abort every run" })).toHaveCount(0);
        await fitsTheScreen(page, viewport.width);

        await page.goto("/approvals");
        await expect(page.getByTestId("emergency-banner")).toBeVisible();
        await fitsTheScreen(page, viewport.width);
        await page.getByTestId("emergency-banner").getByRole("button", { name: "Resume dispatch" }).click();
        await expect(page).toHaveURL(/\/approvals$/);
        await expect(page.getByTestId("emergency-banner")).toHaveCount(0);
        await expect(page.getByRole("status").filter({ hasText: "dispatch is on again" })).toBeVisible();
      } finally {
        await resumeEverything(page);
      }
    });

    test("a workspace is paused from its settings and resumed from the board's banner", async ({ page }) => {
      const base = await createWorkspace(page, unique("Paused"));
      await page.goto(`${base}/settings`);
      await page.getByRole("button", { name: "Pause workspace" }).click();
      await expect(page).toHaveURL(new RegExp(`${base}/settings$`));
      await expect(page.getByTestId("pause-banner")).toContainText("Paused");
      await page.goto(base);
      const banner = page.getByTestId("pause-banner");
      await expect(banner).toContainText("nothing is dispatched in this workspace");
      await fitsTheScreen(page, viewport.width);
      await banner.getByRole("button", { name: "Resume workspace" }).click();
      await expect(page.getByTestId("pause-banner")).toHaveCount(0);
    });
  });
}
