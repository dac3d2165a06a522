import { AUTH_FILE, JS_AND_VIEWPORTS, createTask, createWorkspace, expect, test, unique } from "./fixtures";

// Dependencies and subtasks as an operator uses them (decision 044), with
// JavaScript on and off, on a desktop and a phone: link a task by pasting the
// other task's address, see it blocked on the page and the card, have a cycle
// refused with its chain, remove the link, and create a subtask from the parent.
test.use({ storageState: AUTH_FILE });

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("a task waits on another, a cycle is refused, and a subtask shows under its parent", async ({ page }) => {
      const base = await createWorkspace(page, unique("Links"));
      const specId = await createTask(page, base, "Write the spec");
      const specUrl = page.url();
      const buildId = await createTask(page, base, "Build it");

      await page.getByLabel("Wait on task (address or id)").fill(specUrl);
      await page.getByRole("button", { name: "Add dependency" }).click();
      await expect(page.getByTestId("blocked-note")).toBeVisible();
      await expect(page.locator(`[data-blocker="${specId}"]`)).toContainText("Write the spec");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: `test-results/task-links-${js ? "js" : "nojs"}-${viewport.width}.png`, fullPage: true });

      await page.goto(base);
      await expect(page.locator(`[data-task-id="${buildId}"]`).getByTestId("card-blocked")).toBeVisible();

      await page.goto(`${base}/tasks/${specId}`);
      await page.getByLabel("Wait on task (address or id)").fill(buildId);
      await page.getByRole("button", { name: "Add dependency" }).click();
      await expect(page.getByText("That would make a cycle: Write the spec → Build it → Write the spec.")).toBeVisible();

      await page.goto(`${base}/tasks/${buildId}`);
      await page.getByRole("button", { name: "Stop waiting on Write the spec" }).click();
      await expect(page.getByTestId("blocked-note")).toHaveCount(0);

      await page.getByRole("link", { name: "New subtask" }).click();
      await expect(page.getByTestId("subtask-of")).toContainText("Build it");
      await page.getByLabel("Title").fill("Write the tests");
      await page.getByRole("button", { name: "Create task" }).click();
      await expect(page.getByRole("heading", { name: "Write the tests" })).toBeVisible();
      await page.goto(`${base}/tasks/${buildId}`);
      await expect(page.getByTestId("subtask-progress")).toHaveText("0 of 1 done");
    });
  });
}
