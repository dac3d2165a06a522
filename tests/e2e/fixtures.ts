import { readFileSync } from "node:fs";
import path from "node:path";
import { type Page, test as base, expect } from "@playwright/test";

export const ADMIN = { name: "Ada Admin", email: "ada@example.test", password: "correct horse battery staple" };
export const AUTH_FILE = path.resolve("test-results/e2e-admin.json");

export function server(): { url: string; setupUrl: string | null } {
  return JSON.parse(readFileSync(path.resolve("test-results/e2e-server.json"), "utf8")) as { url: string; setupUrl: string | null };
}

// A browser console error fails the test. Chromium reports an expected 4xx
// answer (a refused form) as a failed resource load; that is not an app error.
// A file preview's sandbox blocking the file's own script is the defence working, not an app error.
const EXPECTED =
  /^Failed to load resource: the server responded with a status of 4\d\d|^Blocked script execution in '[^']*\?preview=1' because the document's frame is sandboxed/;

function watchConsole(page: Page, problems: string[]) {
  page.on("console", (msg) => {
    if (msg.type() === "error" && !EXPECTED.test(msg.text())) problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
}

export const test = base.extend<{ consoleProblems: string[] }>({
  // Playwright reads a fixture's dependencies from its destructuring pattern: it must be there, even empty.
  // oxlint-disable-next-line no-empty-pattern
  baseURL: async ({}, use) => use(server().url),
  consoleProblems: [
    async ({ context }, use) => {
      const problems: string[] = [];
      for (const page of context.pages()) watchConsole(page, problems);
      context.on("page", (page) => watchConsole(page, problems));
      await use(problems);
      expect(problems, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** A unique name so tests never collide with each other's data. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Creates a workspace through the form and returns its base path (/w/slug). */
export async function createWorkspace(page: Page, name: string, icon?: string): Promise<string> {
  await page.goto("/");
  await page.getByLabel("Name").fill(name);
  if (icon) await page.getByLabel("Icon").fill(icon);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  return new URL(page.url()).pathname;
}

/**
 * Another tab of the same operator renames the workspace, and `page` (a live
 * page inside it) shows the new name: proof that its live update revalidated it.
 */
export async function renameInAnotherTab(page: Page, base: string, name: string): Promise<void> {
  const other = await page.context().newPage();
  await other.goto(`${base}/settings`);
  await other.getByLabel("Name", { exact: true }).fill(name);
  await other.getByRole("button", { name: "Save", exact: true }).click();
  await expect(other.locator(".ws-name")).toContainText(name);
  await other.close();
  await expect(page.locator(".ws-name")).toContainText(name);
}

/** Creates a task through the form and returns its id once its page has loaded. */
export async function createTask(page: import("@playwright/test").Page, base: string, title: string): Promise<string> {
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  return page.url().split("/").pop()!;
}

/** Moves a card through its menu on the board (a disclosure of plain submit buttons, so it works without JavaScript). */
export async function moveCard(page: Page, taskId: string, status: string): Promise<void> {
  const card = page.locator(`[data-task-id="${taskId}"]`);
  await card.locator(".move-menu > summary").click();
  await card.locator(`button[name="status"][value="${status}"]`).click();
}

/**
 * The settings a UI change is tried in: JavaScript on at a desktop's and a
 * phone's size, and off on a phone. Without JavaScript the page is the same
 * server-rendered document and plain form posts at every width (no style
 * depends on scripting), and the page sweep (page-sweep.e2e.ts) loads every
 * page at both sizes with JavaScript on and at the phone's without, so a
 * fourth run, off at the desktop size, would repeat the others.
 */
export const JS_AND_VIEWPORTS = [
  { js: true, viewport: { width: 1440, height: 900 } },
  { js: true, viewport: { width: 390, height: 844 } },
  { js: false, viewport: { width: 390, height: 844 } },
].map((setting) => ({ ...setting, name: `JavaScript ${setting.js ? "on" : "off"} at ${String(setting.viewport.width)} px` }));
