import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, renameInAnotherTab, test, unique, JS_AND_VIEWPORTS } from "./fixtures";

// The task page shows its values as text; each opens its own small form in
// place ("Edit", or ?edit=<field> without JavaScript), saves that field alone
// and says so next to it. Editing one field never changes another (an edit
// that unassigned the task was the old defect), and a refusal stays next to
// the field with what was typed.

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
  return { base, title, url: new URL(page.url()).pathname };
}

async function expectUnchanged(page: Page, v: { title: string; assignee: string; priority: string; due: string; type: string }) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(v.title);
  await expect(page.getByTestId("task-status")).toHaveText("Assigned");
  await expect(page.getByTestId("task-assignee")).toHaveText(v.assignee);
  await expect(page.getByTestId("task-priority")).toHaveText(v.priority);
  await expect(page.getByTestId("task-due")).toHaveText(v.due);
  await expect(page.getByTestId("task-type")).toHaveText(v.type);
}

for (const { js: javaScriptEnabled, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`${javaScriptEnabled ? "with" : "without"} JavaScript at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled, viewport });

    test("editing the title in place keeps the assignee, type and every other field", async ({ page }) => {
      const { title } = await assignedTask(page, javaScriptEnabled ? "Edit" : "Edit NoJS");
      const current = { title, assignee: "🛠️ Builder", priority: "High", due: "15 Jan 2030", type: "Research · low risk" };
      await expectUnchanged(page, current);

      await page.getByTestId("edit-title").click();
      await expect(page).toHaveURL(/\?edit=title/);
      const input = page.getByRole("textbox", { name: "Title" });
      await expect(input).toHaveValue(title);
      // One field's form: nothing else is posted with it.
      await expect(page.locator('form.inline-field-form select, form.inline-field-form input[name="due_at"]')).toHaveCount(0);
      const renamed = unique("Surveyed");
      await input.fill(renamed);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect(page).toHaveURL(/\?saved=title/);
      await expect(page.locator("#field-title").getByRole("status")).toHaveText("✓ Saved");
      await expectUnchanged(page, { ...current, title: renamed });
      await expect(page.locator(".activity").getByText("Updated title", { exact: true })).toBeVisible();

      // Priority, the same way; Cancel closes a form without saving.
      await page.getByTestId("edit-priority").click();
      await page.getByRole("combobox", { name: "Priority" }).selectOption("urgent");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect(page.locator("#field-priority").getByRole("status")).toHaveText("✓ Saved");
      await expectUnchanged(page, { ...current, title: renamed, priority: "Urgent" });
      await page.getByTestId("edit-due").click();
      await page.getByLabel("Due date").fill("2031-02-03");
      await page.getByRole("link", { name: "Cancel" }).click();
      await expect(page.getByLabel("Due date")).toHaveCount(0);
      await expectUnchanged(page, { ...current, title: renamed, priority: "Urgent" });
    });

    test("a refused edit stays next to its field with what was typed, and changes nothing", async ({ page }) => {
      const { title } = await assignedTask(page, javaScriptEnabled ? "Refuse" : "Refuse NoJS");
      const current = { title, assignee: "🛠️ Builder", priority: "High", due: "15 Jan 2030", type: "Research · low risk" };

      // Refused by the database: an assigned task needs its agent.
      await page.getByTestId("edit-assignee").click();
      await page.getByRole("combobox", { name: "Assignee" }).selectOption({ label: "Unassigned" });
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const field = page.locator("#field-assignee");
      await expect(field.getByRole("alert")).toContainText("Choose an agent before assigning the task.");
      await expect(field.getByRole("combobox", { name: "Assignee" }).locator("option:checked")).toHaveText("Unassigned");

      // Refused by the form's rules: no title.
      await page.goto(`${new URL(page.url()).pathname}?edit=title`);
      await page.getByRole("textbox", { name: "Title" }).fill("   ");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect(page.locator("#field-title").getByRole("alert")).toHaveText("A title is required");
      await expect(page.getByRole("textbox", { name: "Title" })).toHaveAttribute("aria-invalid", "true");

      await page.goto(new URL(page.url()).pathname);
      await expectUnchanged(page, current);
    });
  });
}

test("a half-typed edit stays open and typed through live updates", async ({ page }) => {
  const { base, title } = await assignedTask(page, "Live edit");
  await expect(page.locator(".conn")).toHaveText("Live");
  await page.getByTestId("edit-description").click();
  const box = page.getByRole("textbox", { name: "Description" });
  await box.fill("Not saved yet");
  await renameInAnotherTab(page, base, unique("Renamed"));
  await expect(box).toHaveValue("Not saved yet");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
});
