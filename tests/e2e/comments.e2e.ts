import { AUTH_FILE, JS_AND_VIEWPORTS, createTask, createWorkspace, expect, test, unique } from "./fixtures";

// Comments as an operator uses them (decision 045), with JavaScript on and
// off, on a desktop and a phone: post a Markdown comment, see it rendered in
// the timeline with hostile markup inert, edit it, and see its earlier version kept.
test.use({ storageState: AUTH_FILE });

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("a comment is posted, rendered safely and edited", async ({ page }) => {
      const base = await createWorkspace(page, unique("Comments"));
      await createTask(page, base, "Discuss the plan");

      await page.getByLabel("Comment", { exact: true }).fill("Looks **good** <img src=x onerror=alert(1)>");
      await page.getByRole("button", { name: "Post comment" }).click();
      const comment = page.getByTestId("comment-body").first();
      await expect(comment.locator("strong")).toHaveText("good");
      await expect(comment).toContainText("<img src=x onerror=alert(1)>");
      await expect(page.getByLabel("Comment", { exact: true })).toHaveValue("");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

      await page.getByRole("link", { name: "Edit", exact: true }).click();
      await page.getByLabel("Edit comment").fill("Looks *better* now");
      await page.getByRole("button", { name: "Save comment" }).click();
      await expect(page.getByTestId("comment-body").first().locator("em")).toHaveText("better");
      await expect(page.getByText("Edited · 1 earlier version")).toBeVisible();
      await page.screenshot({ path: `test-results/comments-${js ? "js" : "nojs"}-${viewport.width}.png`, fullPage: true });
    });
  });
}
