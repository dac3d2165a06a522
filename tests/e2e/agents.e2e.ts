import type { Page } from "@playwright/test";
import { AUTH_FILE, expect, test, unique } from "./fixtures";

test.use({ storageState: AUTH_FILE });

async function createWorkspace(page: Page, name: string) {
  await page.goto("/");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  return new URL(page.url()).pathname;
}

/** Another operator's write in the same workspace: a plain form post, as a second tab would send it. */
async function createAgentElsewhere(page: Page, base: string, name: string) {
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const res = await page.request.post(`${base}/agents`, { form: { csrf, intent: "create", name } });
  expect(res.status()).toBe(201);
}

test("repro: token survives a live revalidation", async ({ page }) => {
  const base = await createWorkspace(page, unique("Tokens"));
  await page.goto(`${base}/agents`);
  await expect(page.locator(".conn")).toHaveText("Live");
  await page.getByLabel("Name").fill("Scout");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByTestId("agent-token")).toBeVisible();
  await page.getByLabel("Name").fill("Half typed");
  const other = unique("Other");
  await createAgentElsewhere(page, base, other);
  await expect(page.getByRole("link", { name: other })).toBeVisible();
  await expect(page.getByTestId("agent-token")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("Half typed");
});
