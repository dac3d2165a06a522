import { AUTH_FILE, createTask, createWorkspace, expect, test, unique } from "./fixtures";

test.use({ storageState: AUTH_FILE });

test("operator flow with live updates in a second browser", async ({ page, browser }) => {
  const base = await createWorkspace(page, unique("Flow"), "🧪");

  // An agent, whose token is shown exactly once.
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByLabel("Name").fill("Scout");
  await page.getByLabel("Emoji").fill("🔭");
  await page.getByLabel("Role").fill("Researcher");
  await page.getByLabel("OpenClaw agent id").fill("main");
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = await page.getByTestId("agent-token").innerText();
  expect(token).toMatch(/^mca_[A-Za-z0-9_-]{43}$/);
  await page.reload();
  await expect(page.getByTestId("agent-token")).toHaveCount(0);
  await expect(page.getByText(`token ${token.slice(0, 8)}…`)).toBeVisible();

  // Validation errors sit next to their field.
  await page.goto(`${base}/tasks/new`);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByText("A title is required")).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");

  const title = unique("Survey the field");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Find three sources.\nSummarise them.");
  await page.getByLabel("Priority").selectOption("high");
  await page.getByLabel("Assignee").selectOption({ label: "🔭 Scout" });
  await page.getByLabel("Due date").fill("2030-01-15");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-status")).toHaveText("Inbox");
  const taskId = page.url().split("/").pop()!;

  // A second operator watches the board; it must follow every move live.
  const watcherContext = await browser.newContext({ storageState: AUTH_FILE });
  const watcher = await watcherContext.newPage();
  await watcher.goto(base);
  await expect(watcher.locator(".conn")).toHaveText("Live");
  await expect(watcher.locator(`[data-status="inbox"] [data-task-id="${taskId}"]`)).toBeVisible();

  const path: Array<[string, string]> = [
    ["Assigned", "assigned"],
    ["In progress", "in_progress"],
    ["Testing", "testing"],
    ["Review", "review"],
    ["Done", "done"],
  ];
  for (const [label, status] of path) {
    await page.getByRole("form", { name: "Move task" }).getByRole("button", { name: label, exact: true }).click();
    await expect(page.getByTestId("task-status")).toHaveText(label);
    await expect(watcher.locator(`[data-status="${status}"] [data-task-id="${taskId}"]`)).toBeVisible();
  }

  // The activity log and the live feed tell the story.
  await expect(page.getByText("Moved from Review to Done")).toBeVisible();
  await watcher.goto(`${base}/feed`);
  await expect(watcher.getByText(/moved .* from Review to Done/)).toBeVisible();
  await watcherContext.close();
});

test("drag and drop moves a card when JavaScript runs", async ({ page }) => {
  const base = await createWorkspace(page, unique("Drag"), "🧪");
  const taskId = await createTask(page, base, unique("Drag me"));
  await page.goto(base);
  const card = page.locator(`[data-task-id="${taskId}"]`);
  await card.dragTo(page.locator('[data-status="planning"]'));
  await expect(page.locator(`[data-status="planning"] [data-task-id="${taskId}"]`)).toBeVisible();
});
