import { AUTH_FILE, expect, test } from "./fixtures";

test.use({ storageState: AUTH_FILE, javaScriptEnabled: false });

test("the Heartbeat page lists receipts and runs one on request, never on view", async ({ page }) => {
  await page.goto("/heartbeat");
  await expect(page.getByRole("heading", { name: "Heartbeat" })).toBeVisible();
  const before = await page.locator(".run").count();
  await page.reload();
  expect(await page.locator(".run").count()).toBe(before);

  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.locator(".run")).toHaveCount(before + 1);
  await expect(page.locator(".run").first()).toContainText("manual");
  await expect(page.locator(".run").first()).toContainText("0 gateway calls");
  await expect(page.getByTitle("OpenClaw gateway: disabled")).toBeVisible();
});
