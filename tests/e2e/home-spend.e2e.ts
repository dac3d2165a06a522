import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, server, test, unique } from "./fixtures";

// The home page's workspace cards with their spend, on a desktop and a phone,
// from usage an agent reported through its API.
test.use({ storageState: AUTH_FILE });

async function createAgent(page: Page, base: string, name: string): Promise<string> {
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create agent" }).click();
  return (await page.getByTestId("agent-token").innerText()).trim();
}

async function createAssignedTask(page: Page, base: string, agent: string): Promise<string> {
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(unique("Spending task"));
  await page.getByLabel("Assignee").selectOption({ label: `🤖 ${agent}` });
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  return page.url().split("/").pop()!;
}

test("each workspace card shows its spend, at 1440 and 390 px", async ({ page, browser }) => {
  const name = unique("Spend");
  const base = await createWorkspace(page, name, "💸");
  const token = await createAgent(page, base, "Spender");
  const taskId = await createAssignedTask(page, base, "Spender");
  for (const usage of [
    { model: "model-a", input_tokens: 1000, output_tokens: 500, cost_usd: 12.5 },
    { model: "model-a", input_tokens: 200, output_tokens: 100, cost_usd: 0.75 },
  ]) {
    const res = await page.request.post(`${server().url}/api/agent/tasks/${taskId}/usage`, { headers: { authorization: `Bearer ${token}` }, data: usage });
    expect(res.status()).toBe(201);
  }
  const idleName = unique("Quiet");
  await createWorkspace(page, idleName);

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await browser.newContext({ storageState: AUTH_FILE, viewport, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
    const home = await context.newPage();
    await home.goto("/");
    const card = home.locator(".ws-card").filter({ has: home.getByRole("link", { name }) });
    await expect(card.getByTestId("ws-spend-30")).toHaveText("$13.25");
    await expect(card.getByTestId("ws-spend-total")).toHaveText("$13.25");
    await expect(card.getByText("Spent, 30 days")).toBeVisible();
    const idle = home.locator(".ws-card").filter({ has: home.getByRole("link", { name: idleName }) });
    await expect(idle.getByTestId("ws-spend-30")).toHaveText("$0.00");
    // The figures sit inside the card and nothing scrolls sideways.
    const cardBox = (await card.boundingBox())!;
    for (const id of ["ws-spend-30", "ws-spend-total"]) {
      const box = (await card.getByTestId(id).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(cardBox.x + cardBox.width);
    }
    expect(await home.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    await card.scrollIntoViewIfNeeded();
    await home.screenshot({ path: `test-results/e2e-artifacts/home-spend-${viewport.width}.png` });
    await card.screenshot({ path: `test-results/e2e-artifacts/home-spend-card-${viewport.width}.png` });
    await card.getByRole("link", { name: "Costs" }).click();
    await expect(home).toHaveURL(new RegExp(`${base}/costs$`));
    await context.close();
  }
});
