import { ADMIN, AUTH_FILE, expect, server, test } from "./fixtures";

test("first start: set-up link creates the admin, then sign-in works", async ({ page }) => {
  const { setupUrl } = server();
  expect(setupUrl, "the server printed a set-up link").toBeTruthy();

  await page.goto("/login");
  await expect(page.getByText("No administrator exists yet")).toBeVisible();

  await page.goto("/setup?token=wrong");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();

  await page.goto(setupUrl!);
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat password").fill("something else entirely");
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByText("The passwords do not match")).toBeVisible();
  await expect(page.getByLabel("Repeat password")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();

  // The link works once.
  await page.goto(setupUrl!);
  await expect(page).toHaveURL(/\/$/);

  // The form token is bound to the session: this post carries the one the
  // navigation after set-up brought, with no reload in between.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2F/);

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();

  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
  await page.context().storageState({ path: AUTH_FILE });
});
