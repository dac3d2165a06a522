import { AUTH_FILE, expect, moveCard, test, unique } from "./fixtures";

// The same core flow with JavaScript disabled: every form is a plain post.
test.use({ storageState: AUTH_FILE, javaScriptEnabled: false });

test("core flow without JavaScript", async ({ page }) => {
  const name = unique("NoJS");
  await page.goto("/");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const base = new URL(page.url()).pathname;

  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Builder");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByTestId("agent-token")).toBeVisible();

  await page.goto(`${base}/tasks/new`);
  // Only blanks: the browser lets it through, the server's schema does not.
  await page.getByLabel("Title").fill("   ");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByText("A title is required")).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");

  const title = unique("Plain form task");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Start in").selectOption("planning");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-status")).toHaveText("Planning");
  const taskId = page.url().split("/").pop()!;

  // Assigning needs an agent: the refusal is explained.
  await page.goto(base);
  await moveCard(page, taskId, "assigned");
  // The refusal shows on the card that was moved (and in the toast region).
  await expect(page.locator(`[data-task-id="${taskId}"]`).getByTestId("card-refusal")).toHaveText("Choose an agent before moving the task to Assigned.");

  // Edit the assignee in place on the task page (a plain link opens its form).
  await page.goto(`${base}/tasks/${taskId}`);
  await page.getByTestId("edit-assignee").click();
  await page.getByRole("combobox", { name: "Assignee" }).selectOption({ label: "🤖 Builder" });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("task-assignee")).toHaveText("🤖 Builder");

  for (const status of ["inbox", "assigned", "in_progress", "testing", "review", "done"]) {
    await page.goto(base);
    await moveCard(page, taskId, status);
    await expect(page.locator(`[data-status="${status}"] [data-task-id="${taskId}"]`)).toBeVisible();
  }

  // A forged illegal move is refused with the allowed list, and changes nothing.
  await page.goto(base);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const forged = await page.request.post(`${base}?index`, {
    form: { csrf, intent: "move", taskId, status: "in_progress" },
  });
  expect(forged.status()).toBe(409);
  expect(await forged.text()).toContain("cannot move to In progress");
  await page.goto(base);
  await expect(page.locator(`[data-status="done"] [data-task-id="${taskId}"]`)).toBeVisible();

  // A workspace that still holds work cannot be deleted.
  await page.goto(`${base}/settings`);
  await page.getByText("Delete workspace…").click();
  await page.getByRole("button", { name: `Delete ${name}`, exact: true }).click();
  await expect(page.getByText(/still has 1 task\(s\) and 1 agent\(s\)/)).toBeVisible();

  // Delete the task, then the agent, then the workspace.
  await page.goto(`${base}/tasks/${taskId}`);
  await page.getByText("Delete task…").click();
  await page.getByRole("button", { name: "Delete task" }).click();
  await expect(page.locator(`[data-task-id="${taskId}"]`)).toHaveCount(0);
  await page.goto(`${base}/agents`);
  await page.getByRole("link", { name: "Builder" }).click();
  await page.getByText("Delete agent…").click();
  await page.getByRole("button", { name: "Delete agent" }).click();
  await page.goto(`${base}/settings`);
  await page.getByText("Delete workspace…").click();
  await page.getByRole("button", { name: `Delete ${name}`, exact: true }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});

test("a missing page inside a workspace keeps the workspace's navigation, without JavaScript", async ({ page }) => {
  const name = unique("Lost");
  await page.goto("/");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const base = new URL(page.url()).pathname;

  const missing = await page.goto(`${base}/tasks/00000000-0000-4000-8000-000000000000`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByText("Task not found.")).toBeVisible();
  const tabs = page.getByRole("navigation", { name: "Workspace", exact: true });
  // The error is the page's one heading; the workspace's name stays above it.
  await expect(page.locator(".ws-name")).toContainText(name);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");
  // The tabs still work: on to the workspace's agents, in a plain navigation.
  await tabs.getByRole("link", { name: "Agents" }).click();
  await expect(page).toHaveURL(new RegExp(`${base}/agents$`));
  await expect(page.getByRole("button", { name: "Create agent" })).toBeVisible();

  // An unknown workspace has no navigation to keep: a plain 404.
  const unknown = await page.goto("/w/no-such-workspace");
  expect(unknown?.status()).toBe(404);
  await expect(page.getByText("Workspace not found.")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Workspace", exact: true })).toHaveCount(0);

  await page.goto(`${base}/settings`);
  await page.getByText("Delete workspace…").click();
  await page.getByRole("button", { name: `Delete ${name}`, exact: true }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
});
