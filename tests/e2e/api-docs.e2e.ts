import { wcagAxe } from "./axe";
import { AUTH_FILE, expect, test } from "./fixtures";

// The API reference (/api/docs, decision 054): a standalone page, no script,
// readable on a phone, reached from Your settings next to the API keys.

test("the API reference fits a 390 px phone without JavaScript, and passes axe in both colour schemes", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false });
  const page = await context.newPage();
  const res = await page.goto("/api/docs");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "Mission Control API" })).toBeVisible();
  for (const tag of ["Operator API", "Agent API", "Webhooks"]) await expect(page.getByRole("heading", { level: 2, name: tag })).toBeVisible();
  const create = page.getByRole("region", { name: "POST /api/v1/workspaces/{slug}/tasks" });
  await expect(create).toContainText("scope: write");
  await expect(create.getByRole("cell", { name: "title", exact: true })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // The navigation jumps to a tag's section.
  await page.getByRole("navigation", { name: "API sections" }).getByRole("link", { name: "Agent API" }).click();
  await expect(page).toHaveURL(/#tag-Agent-API$/);
  await context.close();
  // axe needs scripts to run, so it checks the same page at the same width in a context that allows them.
  for (const colorScheme of ["light", "dark"] as const) {
    const axeContext = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
    const axePage = await axeContext.newPage();
    await axePage.goto("/api/docs");
    const result = await wcagAxe(axePage).analyze();
    expect(result.violations.map((v) => `${colorScheme} ${v.id}: ${v.nodes.length}`)).toEqual([]);
    await axeContext.close();
  }
});

test("Your settings links to the API reference next to the API keys", async ({ browser }) => {
  const context = await browser.newContext({ storageState: AUTH_FILE });
  const page = await context.newPage();
  await page.goto("/settings");
  await page.locator("#api-keys").getByRole("link", { name: "the API reference" }).click();
  await expect(page).toHaveURL(/\/api\/docs$/);
  await expect(page.getByRole("heading", { level: 1, name: "Mission Control API" })).toBeVisible();
  await context.close();
});
