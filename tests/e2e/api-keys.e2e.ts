import { wcagAxe } from "./axe";
import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, server, test, unique } from "./fixtures";

// API keys on Your settings (decision 050), with JavaScript on and off: a key
// is shown once, works against the operator API (/api/v1) from a client that
// is not the browser's session, and is refused once revoked; the revoked key
// stays listed.

test.use({ storageState: AUTH_FILE });

async function createKey(page: Page, name: string): Promise<string> {
  await page.goto("/settings");
  const panel = page.locator("#api-keys");
  await panel.getByLabel("Key name").fill(name);
  await panel.getByRole("checkbox", { name: /^Write:/ }).check();
  await panel.getByLabel("Expires").selectOption("30");
  await panel.getByRole("button", { name: "Create API key" }).click();
  const shown = page.getByTestId("api-key-token");
  await expect(shown).toBeVisible();
  const token = (await shown.textContent())!.trim();
  expect(token).toMatch(/^mck_[A-Za-z0-9_-]{43}$/);
  return token;
}

/**
 * No WCAG 2.1 A/AA violation in the panel as it is now (a key shown, keys
 * listed), at a desktop's and a phone's width. axe runs scripts, so only in
 * the test with JavaScript on.
 */
async function accessible(page: Page) {
  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    const result = await wcagAxe(page).include("#api-keys").analyze();
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  }
}

async function useThenRevoke(page: Page, name: string, token: string, base: string, js: boolean) {
  const slug = base.split("/").pop()!;
  const api = (method: "get" | "post", path: string, data?: unknown) =>
    page.request[method](`${server().url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` }, data, failOnStatusCode: false });
  const title = unique("Made with a key");
  const made = await api("post", `/workspaces/${slug}/tasks`, { title });
  expect(made.status()).toBe(201);
  const listed = await api("get", `/workspaces/${slug}/tasks?q=${encodeURIComponent(title)}`);
  expect(((await listed.json()) as { tasks: Array<{ title: string }> }).tasks.map((t) => t.title)).toEqual([title]);

  // Shown once: the settings page never shows it again, only its first characters.
  await page.goto("/settings");
  await expect(page.getByTestId("api-key-token")).toHaveCount(0);
  const row = page.locator("#api-keys tr", { hasText: name });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).toContainText("Active");

  await row.getByText(`Revoke ${name}…`).click();
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(page.locator("#api-keys tr", { hasText: name })).toContainText("Revoked");
  if (js) await accessible(page);
  const refused = await api("get", "/workspaces");
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
}

test("with JavaScript, a new key is shown once (through live updates), works against /api/v1, and is refused once revoked", async ({ page }) => {
  const base = await createWorkspace(page, unique("Keyed"));
  const name = unique("Script");
  const token = await createKey(page, name);
  // A live update revalidates the page; the one-time key stays until the user leaves.
  await page.waitForTimeout(1500);
  await expect(page.getByTestId("api-key-token")).toHaveText(token);
  await accessible(page);
  await useThenRevoke(page, name, token, base, true);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a new key is shown once, works against /api/v1, and is refused once revoked", async ({ page }) => {
    const base = await createWorkspace(page, unique("Keyed plain"));
    const name = unique("Cron");
    const token = await createKey(page, name);
    await useThenRevoke(page, name, token, base, false);
  });
});
