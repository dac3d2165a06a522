import { AUTH_FILE, createWorkspace, expect, renameInAnotherTab, test, unique } from "./fixtures";

// Live updates revalidate the page an operator is typing on: neither what is
// typed nor a refusal's messages may be lost to them. (The agent forms and the
// task edit form are covered in agents.e2e.ts and task-edit.e2e.ts.)

test.use({ storageState: AUTH_FILE });

test("the new-task form keeps what is typed, and a refusal, through live updates", async ({ page }) => {
  const base = await createWorkspace(page, unique("Live new"));
  await page.goto(`${base}/tasks/new`);
  await expect(page.locator(".conn")).toHaveText("Live");
  await page.getByLabel("Title").fill("   ");
  await page.getByLabel("Description").fill("Typed before the refusal.");
  await page.getByLabel("Due date").fill("2030-06-01");
  await page.getByRole("button", { name: "Create task" }).click();
  const refusal = page.getByText("A title is required");
  await expect(refusal).toBeVisible();
  await page.getByLabel("Title").fill("Typed after the refusal");

  await renameInAnotherTab(page, base, unique("Renamed"));
  await expect(refusal).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveValue("Typed after the refusal");
  await expect(page.getByLabel("Description")).toHaveValue("Typed before the refusal.");
  await expect(page.getByLabel("Due date")).toHaveValue("2030-06-01");
});

test("workspace settings keep what is typed through live updates", async ({ page }) => {
  const base = await createWorkspace(page, unique("Live settings"));
  await page.goto(`${base}/settings`);
  await expect(page.locator(".conn")).toHaveText("Live");
  await page.getByLabel("Icon").fill("🧭");
  await page.getByLabel("Daily limit (USD)").fill("12.50");

  // The page's own name field follows the rename (untouched), the typed fields do not move.
  const renamed = unique("Renamed");
  await renameInAnotherTab(page, base, renamed);
  await expect(page.getByLabel("Name")).toHaveValue(renamed);
  await expect(page.getByLabel("Icon")).toHaveValue("🧭");
  await expect(page.getByLabel("Daily limit (USD)")).toHaveValue("12.50");
});

test("a quick add's refusal on the board stays through a live update", async ({ page }) => {
  const base = await createWorkspace(page, unique("Live quick"));
  await page.goto(base);
  await expect(page.locator(".conn")).toHaveText("Live");
  await page.getByRole("textbox", { name: "New task title in Inbox" }).fill("   ");
  await page.getByRole("button", { name: "Add to Inbox" }).click();
  const refusal = page.locator("#quick-add-inbox-error");
  await expect(refusal).toHaveText("A title is required");
  // The reader has left the field (not typing), so the board reads itself again for the rename.
  await page.locator("body").click({ position: { x: 1, y: 1 } });

  await renameInAnotherTab(page, base, unique("Renamed"));
  await expect(refusal).toHaveText("A title is required");
});
