import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, test, unique, JS_AND_VIEWPORTS } from "./fixtures";

test.use({ storageState: AUTH_FILE });

// Finding and ordering on the board, as a person does it, with JavaScript on
// and off, on a desktop and a phone: quick add, filters held in the URL, the
// list view, reordering through the card's menu, and a saved view.

async function seed(page: Page, base: string, tasks: Array<{ title: string; priority?: string; labels?: string }>) {
  await page.goto(`${base}/tasks/new`);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  for (const t of tasks) {
    const res = await page.request.post(`${base}/tasks/new`, {
      form: { csrf, title: t.title, priority: t.priority ?? "normal", labels: t.labels ?? "", status: "inbox" },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(302);
  }
}

const inboxTitles = (page: Page) => page.locator('[data-status="inbox"] .card .card-title').allInnerTexts();

for (const { js: javaScriptEnabled, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`at ${viewport.width} px, JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled, viewport, isMobile: viewport.width < 640, hasTouch: viewport.width < 640 });

    test("quick add, filters in the URL, and reordering through the card menu", async ({ page }) => {
      const base = await createWorkspace(page, unique("Find"));
      await seed(page, base, [
        { title: "Alpha task", labels: "bug" },
        { title: "Bravo task", priority: "urgent" },
      ]);

      // Quick add, with a filter in place: the new card is on top, the filter kept.
      await page.goto(`${base}?priority=normal`);
      await expect(page.locator(".filter-chip")).toHaveText(/Priority: Normal/);
      const quick = page.getByRole("textbox", { name: "New task title in Inbox" });
      await quick.fill("Charlie quick");
      await page.getByRole("button", { name: "Add to Inbox" }).click();
      await expect(page).toHaveURL(new RegExp(`${base}\\?priority=normal$`));
      await expect.poll(() => inboxTitles(page)).toEqual(["Charlie quick", "Alpha task"]);
      // A blank title is refused next to the input (the browser's own check is bypassed by spaces).
      await quick.fill("   ");
      await page.getByRole("button", { name: "Add to Inbox" }).click();
      await expect(page.locator(".quick-add .field-error")).toHaveText("A title is required");

      // Search through the form: the URL holds it; a chip removes it.
      await page.goto(base);
      await page.locator("#board-search").fill("bravo");
      await page.locator("#board-search").press("Enter");
      await expect(page).toHaveURL(new RegExp(`${base}\\?q=bravo$`));
      await expect.poll(() => inboxTitles(page)).toEqual(["Bravo task"]);
      await expect(page.locator("#lane-inbox .column-count")).toHaveText("1");
      await page.locator('.filter-chip[data-filter="q"]').click();
      await expect(page).toHaveURL(new RegExp(`${base}$`));
      await expect.poll(() => inboxTitles(page)).toEqual(["Charlie quick", "Bravo task", "Alpha task"]);

      // The other filters sit behind "Filters"; one chosen there goes into the URL too.
      await page.locator(".filter-more > summary").click();
      await page.getByRole("combobox", { name: "Priority" }).selectOption("urgent");
      await page.getByRole("button", { name: "Filter", exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${base}\\?priority=urgent$`));
      await expect.poll(() => inboxTitles(page)).toEqual(["Bravo task"]);

      // A label filter straight from a link.
      await page.goto(`${base}?label=bug`);
      await expect.poll(() => inboxTitles(page)).toEqual(["Alpha task"]);
      await expect(page.locator('[data-status="inbox"] .label-chip')).toHaveText(["bug"]);
      await page.getByRole("link", { name: "Clear" }).click();
      await expect(page).toHaveURL(new RegExp(`${base}$`));

      // Reorder without dragging: Move down, then Move up, in the card's menu.
      const charlie = page.locator('[data-status="inbox"] .card', { hasText: "Charlie quick" });
      await charlie.locator(".move-menu > summary").click();
      await charlie.getByRole("button", { name: "Move down" }).click();
      await expect.poll(() => inboxTitles(page)).toEqual(["Bravo task", "Charlie quick", "Alpha task"]);
      // With JavaScript the card moves at once and the server's board replaces it: wait for that answer.
      await expect(page.locator(".card.is-pending")).toHaveCount(0);
      const alpha = page.locator('[data-status="inbox"] .card', { hasText: "Alpha task" });
      await alpha.locator(".move-menu > summary").click();
      await alpha.getByRole("button", { name: "Move up" }).click();
      await expect.poll(() => inboxTitles(page)).toEqual(["Bravo task", "Alpha task", "Charlie quick"]);
      await expect(page.locator(".card.is-pending")).toHaveCount(0);
      // The order is the server's: it holds after a reload.
      await page.reload();
      await expect.poll(() => inboxTitles(page)).toEqual(["Bravo task", "Alpha task", "Charlie quick"]);
      // The top card has no Move up, the last no Move down.
      const bravo = page.locator('[data-status="inbox"] .card', { hasText: "Bravo task" });
      await bravo.locator(".move-menu > summary").click();
      await expect(bravo.getByRole("button", { name: "Move up" })).toHaveCount(0);
      await expect(bravo.getByRole("button", { name: "Move down" })).toHaveCount(1);
    });

    test("the list view sorts and a saved view comes back", async ({ page }) => {
      const base = await createWorkspace(page, unique("List"));
      await seed(page, base, [{ title: "Zulu report", labels: "ops" }, { title: "Mike report", priority: "high" }, { title: "Alpha report" }]);
      await page.goto(base);
      await page.getByRole("link", { name: "List", exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${base}\\?view=list$`));
      const titles = () => page.locator(".list-table .list-title a").allInnerTexts();
      await expect.poll(titles).toEqual(["Alpha report", "Mike report", "Zulu report"]);
      await expect(page.locator(".list-table tr", { hasText: "Zulu report" }).locator(".label-chip")).toHaveText("ops");
      if (viewport.width >= 760) {
        await page.getByRole("columnheader", { name: "Title" }).getByRole("link").click();
        await expect(page).toHaveURL(/sort=title/);
        await expect.poll(titles).toEqual(["Alpha report", "Mike report", "Zulu report"]);
        await page.getByRole("columnheader", { name: /Title/ }).getByRole("link").click();
        await expect(page).toHaveURL(/sort=title&dir=desc|dir=desc/);
        await expect.poll(titles).toEqual(["Zulu report", "Mike report", "Alpha report"]);
      } else {
        // On a phone the rows stack; the sort still comes from the URL.
        await page.goto(`${base}?view=list&sort=title&dir=desc`);
        await expect.poll(titles).toEqual(["Zulu report", "Mike report", "Alpha report"]);
      }

      // Save the view, leave, come back through its link, then delete it.
      await page.goto(`${base}?priority=high&view=list`);
      await page.locator(".save-view > summary").click();
      await page.getByRole("textbox", { name: "Name of the view" }).fill("High ones");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      // The save has landed (with JavaScript its answer replaces the page's regions) before the page is left.
      await expect(page.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name: "High ones" })).toBeVisible();
      await page.goto(base);
      await page.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name: "High ones" }).click();
      await expect(page).toHaveURL(new RegExp(`${base}\\?priority=high&view=list$`));
      await expect.poll(titles).toEqual(["Mike report"]);
      await page.locator(".saved-view-delete > summary").click();
      await page.getByRole("button", { name: "Delete “High ones”" }).click();
      await expect(page.getByRole("navigation", { name: "Saved views" })).toHaveCount(0);
    });
  });
}
