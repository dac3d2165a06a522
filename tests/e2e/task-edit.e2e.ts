import type { Locator, Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, renameInAnotherTab, test, unique } from "./fixtures";

// The task page's edit form posts every field, so it must start from every
// value the task has (an assignee or type left out would be saved as none),
// and a refused edit must come back with what was typed.

test.use({ storageState: AUTH_FILE });

/** A workspace with an agent and an assigned task that has every field set; returns the task page. */
async function assignedTask(page: Page, label: string) {
  const base = await createWorkspace(page, unique(label));
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Builder");
  await page.getByLabel("Emoji").fill("🛠️");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByTestId("agent-token")).toBeVisible();

  const title = unique("Survey the field");
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Find three sources.\nSummarise them.");
  await page.getByLabel("Priority").selectOption("high");
  await page.getByLabel("Assignee").selectOption({ label: "🛠️ Builder" });
  await page.getByLabel("Due date").fill("2030-01-15");
  await page.getByLabel("Task type").selectOption({ label: "Research (low risk)" });
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-status")).toHaveText("Assigned");
  return { base, title, url: page.url() };
}

/** The edit form, opened (after a save without JavaScript the page is new and the panel closed). */
async function editForm(page: Page): Promise<Locator> {
  const details = page.locator("details.edit");
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
  const form = details.locator("form.task-form");
  await expect(form).toBeVisible();
  return form;
}

const chosen = (form: Locator, label: string) => form.getByLabel(label).locator("option:checked");

async function expectForm(form: Locator, v: { title: string; description: string; priority: string; assignee: string; due: string; type: string }) {
  await expect(form.getByLabel("Title")).toHaveValue(v.title);
  await expect(form.getByLabel("Description")).toHaveValue(v.description);
  await expect(form.getByLabel("Priority")).toHaveValue(v.priority);
  await expect(chosen(form, "Assignee")).toHaveText(v.assignee);
  await expect(form.getByLabel("Due date")).toHaveValue(v.due);
  await expect(chosen(form, "Task type")).toHaveText(v.type);
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("editing only the title keeps the assignee, type and every other field", async ({ page }) => {
      const { title } = await assignedTask(page, javaScriptEnabled ? "Edit" : "Edit NoJS");
      const current = {
        title,
        description: "Find three sources.\nSummarise them.",
        priority: "high",
        assignee: "🛠️ Builder",
        due: "2030-01-15",
        type: "Research (low risk)",
      };
      let form = await editForm(page);
      await expectForm(form, current);

      const renamed = unique("Surveyed");
      await form.getByLabel("Title").fill(renamed);
      await form.getByRole("button", { name: "Save changes" }).click();
      await expect(page.getByRole("heading", { name: renamed })).toBeVisible();
      await expect(page.getByTestId("task-status")).toHaveText("Assigned");
      const facts = page.locator(".task-facts");
      await expect(facts).toContainText("🛠️ Builder");
      await expect(facts).toContainText("High");
      await expect(page.getByTestId("task-type")).toHaveText("Research · low risk");
      await expect(page.getByTestId("task-due")).toHaveText("Due 15 Jan 2030");
      // Only the title changed: the activity log names nothing else.
      await expect(page.locator(".activity").getByText("Updated title", { exact: true })).toBeVisible();

      form = await editForm(page);
      await expectForm(form, { ...current, title: renamed });
    });

    test("a refused edit comes back with everything that was typed", async ({ page }) => {
      const { title } = await assignedTask(page, javaScriptEnabled ? "Refuse" : "Refuse NoJS");
      let form = await editForm(page);

      // Refused by the form's rules: no title.
      await form.getByLabel("Title").fill("");
      await form.getByLabel("Description").fill("A new plan.");
      await form.getByLabel("Priority").selectOption("low");
      await form.getByLabel("Due date").fill("2031-02-03");
      await form.getByLabel("Task type").selectOption({ label: "Code change (medium risk)" });
      await form.getByRole("button", { name: "Save changes" }).click();
      await expect(page.getByText("A title is required")).toBeVisible();
      form = await editForm(page);
      await expect(form.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
      const typed = { title: "", description: "A new plan.", priority: "low", assignee: "🛠️ Builder", due: "2031-02-03", type: "Code change (medium risk)" };
      await expectForm(form, typed);

      // Refused by the database: an assigned task needs its agent.
      await form.getByLabel("Title").fill("Kept title");
      await form.getByLabel("Assignee").selectOption({ label: "Unassigned" });
      await form.getByRole("button", { name: "Save changes" }).click();
      await expect(page.getByText("Choose an agent before assigning the task.")).toBeVisible();
      form = await editForm(page);
      await expectForm(form, { ...typed, title: "Kept title", assignee: "Unassigned" });

      // Neither refusal changed the task.
      await expect(page.getByRole("heading", { name: title })).toBeVisible();
      await expect(page.getByTestId("task-type")).toHaveText("Research · low risk");
      await expect(page.locator(".task-facts")).toContainText("🛠️ Builder");
    });
  });
}

test("a half-typed edit stays open and typed through live updates", async ({ page }) => {
  const { base, title } = await assignedTask(page, "Live edit");
  await expect(page.locator(".conn")).toHaveText("Live");
  const form = await editForm(page);
  await form.getByLabel("Title").fill("Not saved yet");
  await form.getByLabel("Due date").fill("2032-03-04");
  await form.getByLabel("Priority").selectOption("urgent");

  await renameInAnotherTab(page, base, unique("Renamed"));
  await expect(page.locator("details.edit")).toHaveAttribute("open", "");
  await expectForm(form, {
    title: "Not saved yet",
    description: "Find three sources.\nSummarise them.",
    priority: "urgent",
    assignee: "🛠️ Builder",
    due: "2032-03-04",
    type: "Research (low risk)",
  });
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
});
