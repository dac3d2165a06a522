import { AUTH_FILE, JS_AND_VIEWPORTS, createWorkspace, expect, test, unique } from "./fixtures";

// Task templates and routines as an operator uses them (decision 046), with
// JavaScript on and off, on a desktop and a phone: create a template and use
// it by hand, create a routine on it and see its next runs in its own time
// zone, have a bad schedule refused, and pause and resume it.
test.use({ storageState: AUTH_FILE });

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("a template makes a task by hand and on a routine's schedule, which pauses and resumes", async ({ page }) => {
      const base = await createWorkspace(page, unique("Routines"));
      await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Templates" }).click();
      await page.getByLabel("Template name").fill("Overnight check");
      await page.getByLabel("Task title").fill("Check the overnight alerts");
      await page.getByLabel("Labels").fill("ops");
      await page.getByRole("button", { name: "Create template" }).click();
      const row = page.getByTestId("templates").getByRole("row", { name: /Overnight check/ });
      await expect(row).toBeVisible();

      await row.getByRole("link", { name: "New task from template" }).click();
      await expect(page.getByTestId("from-template")).toContainText("Overnight check");
      await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Check the overnight alerts");
      await page.getByRole("button", { name: "Create task" }).click();
      await expect(page.getByRole("heading", { name: "Check the overnight alerts" })).toBeVisible();

      await page.goto(`${base}/routines`);
      await page.getByLabel("Routine name").fill("Weekday mornings");
      await page.getByLabel("Template", { exact: true }).selectOption({ label: "Overnight check" });
      await page.getByLabel("Schedule (cron)").fill("0 9 * * 1-5 *");
      await page.getByLabel("Time zone").selectOption("Europe/Berlin");
      await page.getByRole("button", { name: "Create routine" }).click();
      await expect(page.getByText("Use five fields")).toBeVisible();
      await page.getByLabel("Schedule (cron)").fill("0 9 * * 1-5");
      await page.getByRole("button", { name: "Create routine" }).click();

      await expect(page.getByRole("heading", { name: "Weekday mornings" })).toBeVisible();
      await expect(page.getByTestId("runs-zone")).toHaveText("Times in Europe/Berlin, the routine's time zone.");
      await expect(page.getByTestId("next-runs").locator("li")).toHaveCount(5);
      await expect(page.getByTestId("next-runs").locator("li").first()).toContainText("09:00");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

      await page.getByRole("button", { name: "Pause routine" }).click();
      await expect(page.getByTestId("routine-state")).toHaveText("Paused");
      await expect(page.getByRole("heading", { name: "Next runs once resumed" })).toBeVisible();
      await page.getByRole("button", { name: "Resume routine" }).click();
      await expect(page.getByTestId("routine-state")).toHaveText("Active");

      await page.goto(`${base}/routines`);
      await expect(page.getByTestId("routines").getByRole("row", { name: /Weekday mornings/ })).toContainText("Active");
    });
  });
}
