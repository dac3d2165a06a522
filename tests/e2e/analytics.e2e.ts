import type { Page } from "@playwright/test";
import { AUTH_FILE, expect, moveCard, server, test, unique } from "./fixtures";

// The costs dashboard, the cross-workspace overview and agent analytics,
// server-rendered with JavaScript off: the SVG charts are in the HTML.
test.use({ storageState: AUTH_FILE, javaScriptEnabled: false });

async function createAgent(page: Page, base: string, name: string): Promise<string> {
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create agent" }).click();
  return (await page.getByTestId("agent-token").innerText()).trim();
}

async function createAssignedTask(page: Page, base: string, agent: string): Promise<string> {
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(unique("Costed task"));
  await page.getByLabel("Assignee").selectOption({ label: `🤖 ${agent}` });
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  return page.url().split("/").pop()!;
}

async function reportUsage(page: Page, token: string, taskId: string, usage: Record<string, unknown>) {
  const res = await page.request.post(`${server().url}/api/agent/tasks/${taskId}/usage`, { headers: { authorization: `Bearer ${token}` }, data: usage });
  expect(res.status()).toBe(201);
}

test("costs and analytics render their charts without JavaScript", async ({ page }) => {
  await page.goto("/");
  const wsName = unique("Costs NoJS");
  await page.getByLabel("Name").fill(wsName);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: wsName })).toBeVisible();
  const base = new URL(page.url()).pathname;

  const builderToken = await createAgent(page, base, "Builder");
  const reviewerToken = await createAgent(page, base, "Reviewer");
  const built = await createAssignedTask(page, base, "Builder");
  const reviewed = await createAssignedTask(page, base, "Reviewer");
  await reportUsage(page, builderToken, built, { model: "model-a", input_tokens: 1000, output_tokens: 500, cost_usd: 0.5 });
  await reportUsage(page, builderToken, built, { model: "model-b", input_tokens: 200, output_tokens: 100 });
  await reportUsage(page, reviewerToken, reviewed, { model: "model-a", input_tokens: 300, output_tokens: 100, cost_usd: 0.25 });

  // The builder starts its task and reports it complete through its API; a
  // person then takes it to done through the board's plain forms.
  for (const status of ["in_progress", "review"]) {
    const res = await page.request.patch(`${server().url}/api/agent/tasks/${built}`, {
      headers: { authorization: `Bearer ${builderToken}` },
      data: { status },
    });
    expect(res.status()).toBe(200);
  }
  for (const status of ["review", "done"]) {
    await page.goto(base);
    await moveCard(page, built, status);
    await expect(page.locator(`[data-status="${status}"] [data-task-id="${built}"]`)).toBeVisible();
  }

  // Workspace costs: totals with their provenance, a 30-day chart, bars by agent and model.
  await page.getByRole("navigation", { name: "Workspace", exact: true }).getByRole("link", { name: "Costs", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Costs", exact: true })).toBeVisible();
  await expect(page.getByTestId("cost-totals-today")).toContainText("$0.75");
  await expect(page.getByTestId("cost-totals-today")).toContainText("reported $0.75 · estimated $0.00 · 1 record without cost");
  const daily = page.getByTestId("daily-chart");
  await expect(daily.locator("svg[role=img] > title")).toHaveText(/Cost per day/);
  await expect(daily.locator("rect.chart-bar")).toHaveCount(30);
  // Chart days are UTC days, labelled like "7 Nov".
  const today = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date());
  await expect(daily.locator(`rect.chart-bar[data-label="${today}"]`)).toHaveAttribute("data-value", "0.75");
  const byAgent = page.getByTestId("by-agent").locator("rect.chart-bar");
  await expect(byAgent).toHaveCount(2);
  await expect(byAgent.nth(0)).toHaveAttribute("data-label", "Builder");
  await expect(byAgent.nth(1)).toHaveAttribute("data-label", "Reviewer");
  await expect(page.getByTestId("by-model").locator("rect.chart-bar")).toHaveCount(2);
  await expect(page.getByTestId("by-model")).toContainText("model-b");

  // The period form is a plain GET.
  await page.getByLabel("Period", { exact: true }).selectOption("7");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/days=7/);
  await expect(page.getByTestId("daily-chart").locator("rect.chart-bar")).toHaveCount(7);

  // Across workspaces.
  await page.getByRole("navigation", { name: "Tools" }).getByRole("link", { name: "Costs", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Costs across workspaces" })).toBeVisible();
  await expect(page.getByTestId("by-workspace").locator(`rect.chart-bar[data-label="${wsName}"]`)).toHaveAttribute("data-value", "0.75");

  // Agent analytics.
  await page.goto(`${base}/analytics?days=7`);
  await expect(page.getByRole("heading", { name: "Agent analytics" })).toBeVisible();
  const completed = page.getByTestId("completed-chart").locator("rect.chart-bar");
  await expect(completed).toHaveCount(2);
  await expect(page.getByTestId("completed-chart").locator('rect.chart-bar[data-label="Builder"]')).toHaveAttribute("data-value", "1");
  await expect(page.getByTestId("completed-chart").locator('rect.chart-bar[data-label="Reviewer"]')).toHaveAttribute("data-value", "0");
  const perTask = page.getByTestId("cost-per-task-chart").locator("rect.chart-bar");
  await expect(perTask).toHaveCount(1);
  await expect(perTask.first()).toHaveAttribute("data-label", "Builder");
  await expect(page.getByTestId("delivery-table").locator('tr[data-agent="Builder"]')).toContainText("100%");
});
