import type { Page } from "@playwright/test";
import { AUTH_FILE, createTask, createWorkspace, expect, moveCard, test, unique, JS_AND_VIEWPORTS } from "./fixtures";

// Feedback, with JavaScript on and off, on a desktop and on a phone: a toast
// after every action (with an Undo for moves and deletes), a refused move on
// its card, a confirmation before a destructive action, and a pending button.

test.use({ storageState: AUTH_FILE });

const toast = (page: Page) => page.locator("#toasts .toast");

for (const { js: javaScriptEnabled, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`JavaScript ${javaScriptEnabled ? "on" : "off"} at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled, viewport });

    test("a toast after save, move and delete, and Undo for the move and the delete", async ({ page }) => {
      const base = await createWorkspace(page, unique("Toasts"));
      await expect(toast(page)).toHaveText(/Workspace “Toasts .*” created\./);
      const title = unique("Tell me");
      const taskId = await createTask(page, base, title);
      await expect(toast(page)).toHaveAttribute("role", "status");
      await expect(toast(page)).toContainText(`Task “${title}” created.`);

      // A save says so.
      await page.getByTestId("edit-description").click();
      await page.getByRole("textbox", { name: "Description" }).fill("Now with words.");
      await page.locator("#field-description").getByRole("button", { name: "Save", exact: true }).click();
      await expect(toast(page)).toHaveText(new RegExp(`Saved the description of “${title}”\\.`));

      // A move, and its undo.
      await page.goto(base);
      await moveCard(page, taskId, "planning");
      await expect(toast(page)).toContainText(`Moved “${title}” to Planning.`);
      await expect(page.locator(`[data-status="planning"] [data-task-id="${taskId}"]`)).toBeVisible();
      await toast(page).getByRole("button", { name: "Undo" }).click();
      await expect(toast(page)).toContainText(`Moved “${title}” back to Inbox.`);
      await expect(page.locator(`[data-status="inbox"] [data-task-id="${taskId}"]`)).toBeVisible();
      await expect(toast(page).getByRole("button", { name: "Undo" })).toHaveCount(0);

      // A delete asks first, then offers its undo, which brings the task back.
      await page.goto(`${base}/tasks/${taskId}`);
      await expect(page.getByRole("button", { name: "Delete task", exact: true })).toBeHidden();
      await page.getByText("Delete task…").click();
      await expect(page.getByText(/You can undo this for 30 minutes/)).toBeVisible();
      await page.getByRole("button", { name: "Delete task", exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${base}$`));
      await expect(toast(page)).toContainText(`Deleted “${title}”.`);
      await expect(page.locator(`[data-task-id="${taskId}"]`)).toHaveCount(0);
      await toast(page).getByRole("button", { name: "Undo" }).click();
      await expect(page).toHaveURL(new RegExp(`/tasks/${taskId}$`));
      await expect(toast(page)).toContainText(`Restored “${title}”.`);
      await expect(page.getByTestId("task-description")).toHaveText("Now with words.");

      // The close control hides the toast (a reload of the page without JavaScript).
      await toast(page).getByRole("link", { name: "Dismiss" }).click();
      await expect(toast(page)).toHaveCount(0);
    });

    test("a refused move shows on its card", async ({ page }) => {
      const base = await createWorkspace(page, unique("Refusals"));
      const title = unique("No agent yet");
      const taskId = await createTask(page, base, title);
      await page.goto(base);
      await moveCard(page, taskId, "assigned");
      const card = page.locator(`[data-task-id="${taskId}"]`);
      await expect(card.getByTestId("card-refusal")).toContainText("Choose an agent");
      await expect(card).toHaveClass(/is-refused/);
      await expect(page.locator(`[data-status="inbox"] [data-task-id="${taskId}"]`)).toBeVisible();
    });

    test("deleting a workspace and a pipeline stage asks first", async ({ page }) => {
      const name = unique("Doomed");
      const base = await createWorkspace(page, name);
      await page.goto(`${base}/agents`);
      await page.getByLabel("Name").fill("Drafter");
      await page.getByRole("button", { name: "Create agent" }).click();
      await expect(page.getByTestId("agent-token")).toBeVisible();
      await page.goto(`${base}/pipelines`);
      await page.getByLabel("Name").fill("Release");
      await page.getByRole("button", { name: "Create pipeline" }).click();
      await expect(page.getByRole("heading", { name: "Release" })).toBeVisible();
      await page.getByLabel("Stage name").fill("Draft");
      await page.getByLabel("Agent").selectOption({ label: "🤖 Drafter" });
      await page.getByRole("button", { name: "Add stage" }).click();
      await expect(toast(page)).toContainText("Stage “Draft” added.");
      const stage = page.locator(".stage-list > li").first();
      await expect(stage.getByRole("button", { name: "Delete stage", exact: true })).toBeHidden();
      await stage.getByText("Delete stage…").click();
      await expect(stage.getByText(/leaves this pipeline/)).toBeVisible();
      await stage.getByRole("button", { name: "Delete stage", exact: true }).click();
      await expect(toast(page)).toContainText("Stage “Draft” deleted.");
      await expect(page.getByText("No stages yet.")).toBeVisible();

      // A workspace that still holds an agent is refused inside the confirmation, which stays open.
      await page.goto(`${base}/settings`);
      await page.getByText("Delete workspace…").click();
      await page.getByRole("button", { name: `Delete ${name}`, exact: true }).click();
      await expect(page.locator(".confirm-action[open]").getByRole("alert")).toContainText("still has 0 task(s) and 1 agent(s)");

      const empty = unique("Empty");
      const emptyBase = await createWorkspace(page, empty);
      await page.goto(`${emptyBase}/settings`);
      const confirm = page.getByRole("button", { name: `Delete ${empty}`, exact: true });
      await expect(confirm).toBeHidden();
      await page.getByText("Delete workspace…").click();
      await expect(page.getByText(/cannot be undone/)).toBeVisible();
      await confirm.click();
      await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
      await expect(toast(page)).toContainText(`Workspace “${empty}” deleted.`);
    });
  });
}

test.describe("pending state", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("a submit button shows its form is on its way, and cannot be pressed twice", async ({ page }) => {
    await page.goto("/heartbeat");
    // A slow answer: the run is held back for a moment on its way to the server.
    let posts = 0;
    await page.route("**/heartbeat.data*", async (route) => {
      if (route.request().method() === "POST") {
        posts += 1;
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      await route.continue();
    });
    const button = page.getByRole("button", { name: /Run now|Running…/ });
    await button.click();
    await expect(button).toHaveAttribute("aria-busy", "true");
    await expect(button).toBeDisabled();
    await expect(button).toHaveText("Running…");
    await button.click({ force: true }).catch(() => {});
    await expect(page.locator("#toasts .toast")).toContainText("Heartbeat ran");
    await expect(button).toHaveText("Run now");
    await expect(button).toBeEnabled();
    expect(posts).toBe(1);
  });
});
