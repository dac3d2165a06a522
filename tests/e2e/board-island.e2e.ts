import type { Page } from "@playwright/test";
import { AUTH_FILE, createTask, createWorkspace, expect, test, unique } from "./fixtures";

// The board without React (decision 029): its own small script drags and
// drops, posts without reloading, follows live updates and takes the
// keyboard; the palette's script gives every page Ctrl+K and the shortcuts.

test.use({ storageState: AUTH_FILE, viewport: { width: 1440, height: 900 } });

const lane = (page: Page, status: string) => page.locator(`.board [data-status="${status}"]`);
const cardIds = (page: Page, status: string) =>
  lane(page, status)
    .locator("[data-task-id]")
    .evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.taskId!));

/** Marks the document: the mark survives anything but a page load. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { boardMark: number }).boardMark = 1));
}
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { boardMark?: number }).boardMark === 1);

async function islandReady(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-board-island", "ready");
  await expect(page.locator(".conn")).toHaveText("Live");
}

test("the board loads no React, also when reached from a hydrated page, and its script is running", async ({ page }) => {
  const base = await createWorkspace(page, unique("Island"));
  const taskId = await createTask(page, base, unique("Look around"));
  // From the task page (hydrated by React) back to the board through its link.
  await expect(page.locator("html")).toHaveAttribute("data-palette", "ready");
  expect(await page.evaluate(() => "__reactRouterContext" in window)).toBe(true);
  await page.getByRole("link", { name: "← Board" }).click();
  await expect(page).toHaveURL(new RegExp(`${base}$`));
  await islandReady(page);
  expect(await page.evaluate(() => "__reactRouterContext" in window)).toBe(false);
  expect(await page.locator('link[rel="modulepreload"]').count()).toBe(0);
  const scripts = await page.locator("script[src]").evaluateAll((els) => els.map((e) => new URL((e as HTMLScriptElement).src).pathname));
  // The board's own script, the command palette and the service worker's registration: no React.
  expect(scripts).toHaveLength(3);
  expect(scripts.every((s) => /^\/assets\/(board-island|palette|service-worker-register)-[\w-]+\.js$/.test(s))).toBe(true);
  await expect(page.locator(`[data-status="inbox"] [data-task-id="${taskId}"]`)).toBeVisible();

  // The workspace tab and the header's workspace link reach it the same way from any hydrated page.
  await page.goto(`${base}/feed`);
  await page.getByRole("navigation", { name: "Workspace", exact: true }).getByRole("link", { name: "Board" }).click();
  await islandReady(page);
  expect(await page.evaluate(() => "__reactRouterContext" in window)).toBe(false);
});

test("drag and drop moves a card to another lane without a reload, and a refused drop goes back with the reason", async ({ page }) => {
  const base = await createWorkspace(page, unique("Drop"));
  const a = await createTask(page, base, unique("Drop A"));
  const b = await createTask(page, base, unique("Drop B"));
  await page.goto(base);
  await islandReady(page);
  await markDocument(page);

  const posted = page.waitForRequest((r) => r.method() === "POST");
  await page.locator(`[data-task-id="${a}"]`).dragTo(lane(page, "planning"));
  const fields = new URLSearchParams((await posted).postData() ?? "");
  expect(Object.fromEntries(fields)).toEqual({ intent: "move", taskId: a, status: "planning", csrf: expect.any(String) });
  await expect(lane(page, "planning").locator(`[data-task-id="${a}"]`)).toBeVisible();
  await expect(lane(page, "planning").locator(".column-count")).toHaveText("1");
  expect(await sameDocument(page)).toBe(true);
  await page.reload();
  await expect(lane(page, "planning").locator(`[data-task-id="${a}"]`)).toBeVisible();

  // Assigned needs an agent: the server refuses, the card returns to its lane and the reason shows.
  await islandReady(page);
  await markDocument(page);
  await page.locator(`[data-task-id="${b}"]`).dragTo(lane(page, "assigned"));
  await expect(page.getByTestId("card-refusal")).toHaveText("Choose an agent before moving the task to Assigned.");
  await expect(lane(page, "inbox").locator(`[data-task-id="${b}"]`)).toBeVisible();
  await expect(lane(page, "assigned").locator("[data-task-id]")).toHaveCount(0);
  expect(await sameDocument(page)).toBe(true);
});

test("a card dropped between two others posts the card it now sits before, and the order holds after a reload", async ({ page }) => {
  const base = await createWorkspace(page, unique("Order"));
  const ids = [await createTask(page, base, unique("First")), await createTask(page, base, unique("Second")), await createTask(page, base, unique("Third"))];
  await page.goto(base);
  await islandReady(page);
  const order = await cardIds(page, "inbox");
  expect(order.sort()).toEqual([...ids].sort());
  const [top, middle, bottom] = await cardIds(page, "inbox");

  // The bottom card onto the top half of the top card: it goes first.
  const target = page.locator(`[data-task-id="${top}"]`);
  const box = (await target.boundingBox())!;
  const posted = page.waitForRequest((r) => r.method() === "POST");
  await page.locator(`[data-task-id="${bottom}"]`).dragTo(target, { targetPosition: { x: box.width / 2, y: 4 } });
  expect(Object.fromEntries(new URLSearchParams((await posted).postData() ?? ""))).toMatchObject({
    intent: "move",
    taskId: bottom,
    status: "inbox",
    before: top,
  });
  await expect.poll(() => cardIds(page, "inbox")).toEqual([bottom, top, middle]);
  await page.reload();
  await expect.poll(() => cardIds(page, "inbox")).toEqual([bottom, top, middle]);
});

test("the keyboard moves between cards and lanes, moves a card through its menu, shows the help and opens a card", async ({ page }) => {
  const base = await createWorkspace(page, unique("Keys"));
  const first = await createTask(page, base, unique("Key one"));
  const second = await createTask(page, base, unique("Key two"));
  await page.goto(base);
  await islandReady(page);
  await markDocument(page);
  const [top, next] = await cardIds(page, "inbox");
  expect([top, next].sort()).toEqual([first, second].sort());

  const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.taskId ?? null);
  await page.keyboard.press("j");
  expect(await focused()).toBe(top);
  await page.keyboard.press("j");
  expect(await focused()).toBe(next);
  await page.keyboard.press("ArrowUp");
  expect(await focused()).toBe(top);
  // One card at a time is in the tab order.
  await expect(page.locator('.board [data-task-id][tabindex="0"]')).toHaveCount(1);

  // m opens the card's move menu; its buttons post without a reload.
  await page.keyboard.press("m");
  const menu = page.locator(`[data-task-id="${top}"] details.move-menu`);
  await expect(menu).toHaveAttribute("open", "");
  await expect(menu.locator('button[value="planning"]')).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).not.toHaveAttribute("open", "");
  expect(await focused()).toBe(top);
  await page.keyboard.press("m");
  await menu.locator('button[value="planning"]').click();
  await expect(lane(page, "planning").locator(`[data-task-id="${top}"]`)).toBeVisible();
  expect(await sameDocument(page)).toBe(true);

  // h and l go to the next lane that has cards.
  await lane(page, "inbox").locator(`[data-task-id="${next}"]`).focus();
  await page.keyboard.press("h");
  expect(await focused()).toBe(top);
  await page.keyboard.press("l");
  expect(await focused()).toBe(next);

  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help.getByText("Command palette")).toBeVisible();
  await expect(help.getByText("Move the card")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  await lane(page, "inbox").locator(`[data-task-id="${next}"]`).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/tasks/${next}$`));

  // e opens the card's title for editing, in place on the task page.
  await page.goto(base);
  await islandReady(page);
  await lane(page, "inbox").locator(`[data-task-id="${next}"]`).focus();
  await page.keyboard.press("e");
  await expect(page).toHaveURL(new RegExp(`/tasks/${next}\\?edit=title#field-title$`));
  await expect(page.locator("#field-title").getByRole("textbox", { name: "Title" })).toBeVisible();
});

test("the command palette opens with Ctrl+K on the board and on a hydrated page, finds a task by title and opens it", async ({ page }) => {
  const base = await createWorkspace(page, unique("Palette"));
  const title = unique("Quarterly zebra report");
  const taskId = await createTask(page, base, title);
  await page.goto(base);
  await islandReady(page);

  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Command palette" });
  await expect(palette).toBeVisible();
  const input = palette.getByRole("combobox");
  await expect(input).toBeFocused();
  await input.fill("zebra");
  const option = palette.getByRole("option", { name: new RegExp(title) });
  await expect(option).toBeVisible();
  // Arrow keys move the selection; Enter runs it.
  while ((await option.getAttribute("aria-selected")) !== "true") await input.press("ArrowDown");
  await expect(input).toHaveAttribute("aria-activedescendant", (await option.getAttribute("id"))!);
  await input.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/tasks/${taskId}$`));
  await expect(page.getByRole("heading", { name: title })).toBeVisible();

  // The task page hydrates; the same palette opens there, from the keyboard and from the header's button.
  await page.keyboard.press("Control+k");
  await expect(palette).toBeVisible();
  await input.fill("approvals");
  await expect(palette.getByRole("option").first()).toContainText("Approvals");
  await input.press("Enter");
  await expect(page).toHaveURL(/\/approvals$/);
  await page.getByRole("button", { name: /Search/ }).click();
  await expect(palette).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(palette).toBeHidden();

  // g then a letter goes to a page; c to a new task inside a workspace.
  await page.goto(`${base}/feed`);
  await page.keyboard.press("g");
  await page.keyboard.press("b");
  await expect(page).toHaveURL(new RegExp(`${base}$`));
  await islandReady(page);
  await page.keyboard.press("c");
  await expect(page).toHaveURL(new RegExp(`${base}/tasks/new$`));
  // Keys typed into a field are text, not shortcuts.
  await page.getByLabel("Title").fill("");
  await page.getByLabel("Title").pressSequentially("gb c?/");
  await expect(page.getByLabel("Title")).toHaveValue("gb c?/");
  await expect(page).toHaveURL(new RegExp(`${base}/tasks/new$`));
});

test("a move made in another browser shows on the board without a reload", async ({ page, browser }) => {
  const base = await createWorkspace(page, unique("Live island"));
  const taskId = await createTask(page, base, unique("Moved elsewhere"));
  await page.goto(base);
  await islandReady(page);
  await markDocument(page);

  const otherContext = await browser.newContext({ storageState: AUTH_FILE });
  const other = await otherContext.newPage();
  await other.goto(`${base}/tasks/${taskId}`);
  await other.getByRole("form", { name: "Move task" }).getByRole("button", { name: "Planning", exact: true }).click();
  await expect(other.getByTestId("task-status")).toHaveText("Planning");
  await otherContext.close();

  await expect(lane(page, "planning").locator(`[data-task-id="${taskId}"]`)).toBeVisible();
  await expect(lane(page, "inbox").locator(`[data-task-id="${taskId}"]`)).toHaveCount(0);
  expect(await sameDocument(page)).toBe(true);
});

test("an answer overtaken by a later post's does not wipe the refusal the later one shows", async ({ page }) => {
  const base = await createWorkspace(page, unique("Overtaken"));
  await page.goto(base);
  await islandReady(page);
  await markDocument(page);
  // The first quick add's answer (a redirect, then the board) is held back until the second post has been answered.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let answered!: () => void;
  const heldAnswered = new Promise<void>((resolve) => (answered = resolve));
  await page.route(
    (url) => url.pathname === base,
    async (route) => {
      if (route.request().method() !== "POST" || !(route.request().postData() ?? "").includes("Delta+slow")) return route.fallback();
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
      answered();
    },
  );
  const quick = page.getByRole("textbox", { name: "New task title in Inbox" });
  await quick.fill("Delta slow");
  await page.getByRole("button", { name: "Add to Inbox" }).click();
  // The live update shows the new card (and a fresh quick add) while the first answer is still held.
  await expect(lane(page, "inbox").locator(".card", { hasText: "Delta slow" })).toBeVisible();
  await quick.fill("   ");
  await page.getByRole("button", { name: "Add to Inbox" }).click();
  await expect(page.locator(".quick-add .field-error")).toHaveText("A title is required");
  release();
  await heldAnswered;
  // Give the late answer its chance to be swapped in: the refusal stays.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  await expect(page.locator(".quick-add .field-error")).toHaveText("A title is required");
  await expect(lane(page, "inbox").locator(".card", { hasText: "Delta slow" })).toHaveCount(1);
  expect(await sameDocument(page)).toBe(true);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the palette opens from the header and fits the screen", async ({ page }) => {
    const base = await createWorkspace(page, unique("Phone palette"));
    await page.goto(base);
    await islandReady(page);
    await page.getByRole("button", { name: /Search/ }).click();
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await expect(palette).toBeVisible();
    const box = (await palette.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await palette.getByRole("combobox").fill("live feed");
    await palette.getByRole("combobox").press("Enter");
    await expect(page).toHaveURL(new RegExp(`${base}/feed$`));
  });
});
