import type { Browser } from "@playwright/test";
import { AUTH_FILE, createTask, createWorkspace, expect, test, unique } from "./fixtures";

// Each user's time zone: the browser's own is stored at sign-in (JavaScript
// on); without JavaScript the user picks one on Your settings. Times show in
// it, and a task due today is not overdue on the reader's today.

const PASSWORD = "a temporary password";

/** A new operator, made by the admin, so changing its zone touches no other test. */
async function newOperator(browser: Browser): Promise<string> {
  const admin = await browser.newContext({ storageState: AUTH_FILE });
  const page = await admin.newPage();
  const email = `${unique("zone").replace(" ", "-")}@example.test`;
  await page.goto("/admin/users");
  await page.getByLabel("Name").fill("Zoe Zone");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption("operator");
  await page.getByLabel("Temporary password").fill(PASSWORD);
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByText(email)).toBeVisible();
  await admin.close();
  return email;
}

test("with JavaScript, signing in stores the browser's zone and pages show times in it", async ({ browser }) => {
  const email = await newOperator(browser);
  const context = await browser.newContext({ timezoneId: "America/Los_Angeles" });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);

  await page.goto("/settings");
  await expect(page.getByLabel("Time zone")).toHaveValue("America/Los_Angeles");

  const base = await createWorkspace(page, unique("Zoned"));
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" }).format(new Date());
  const title = unique("Due today");
  await page.goto(`${base}/tasks/new`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Due date").fill(today);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByTestId("task-due")).not.toContainText("overdue");
  await expect(page.locator(".task-facts time")).toHaveAttribute("title", /GMT-[78]|P[SD]T/);

  await page.goto(base);
  const card = page.locator("article.card", { hasText: title });
  await expect(card.locator(".due")).toHaveText("due today");
  await expect(card.locator(".due")).not.toHaveClass(/overdue/);
  await context.close();
});

test("without JavaScript, the user picks a zone on Your settings", async ({ browser }) => {
  const email = await newOperator(browser);
  const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);

  // Nothing could detect the zone: UTC until the user picks one.
  await page.getByRole("link", { name: /Zoe Zone/ }).click();
  await expect(page.getByRole("heading", { name: "Your settings" })).toBeVisible();
  await expect(page.getByText("None is set yet, so times are in UTC.")).toBeVisible();
  await page.getByLabel("Time zone").selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved\. It is now/ })).toContainText(/GMT\+9/);
  await expect(page.getByLabel("Time zone")).toHaveValue("Asia/Tokyo");

  const base = await createWorkspace(page, unique("Tokyo"));
  await createTask(page, base, unique("Timed"));
  await expect(page.locator(".task-facts time")).toHaveAttribute("title", /GMT\+9/);
  await context.close();
});
