import { AUTH_FILE, createWorkspace, expect, test, unique } from "./fixtures";

// Error pages are pages: a title, the app's header to go on from, and the
// skip link, with JavaScript on (a client-side navigation) and off.
test.use({ storageState: AUTH_FILE });

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("a missing page keeps the header, and its links lead on", async ({ page }) => {
      const name = unique(javaScriptEnabled ? "Lost JS" : "Lost NoJS");
      await createWorkspace(page, name);

      const res = await page.goto("/no/such/page");
      expect(res?.status()).toBe(404);
      await expect(page).toHaveTitle("Not found · Mission Control");
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      const header = page.getByRole("banner");
      await expect(header.getByRole("navigation", { name: "Tools" })).toBeVisible();

      // The first Tab lands on the skip link, which leads past the header.
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to main content" });
      await expect(skip).toBeFocused();
      await expect(skip).toBeInViewport();

      // From the error page straight on into a workspace.
      await header.getByRole("navigation", { name: "Workspaces" }).getByRole("link", { name }).click();
      await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
      await expect(page).toHaveTitle(`${name} · Mission Control`);

      // An unknown workspace is a 404 too, with the header's links that need no data.
      const unknown = await page.goto("/w/no-such-workspace");
      expect(unknown?.status()).toBe(404);
      await expect(page).toHaveTitle("Not found · Mission Control");
      await expect(page.getByText("Workspace not found.")).toBeVisible();
      await page.getByRole("navigation", { name: "Tools" }).getByRole("link", { name: "Approvals" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Approvals" })).toBeVisible();
    });
  });
}
