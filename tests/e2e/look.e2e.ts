import { AUTH_FILE, createTask, createWorkspace, expect, test, unique } from "./fixtures";
import { themeCookie } from "./pages";

// Themes, the phone header and the first-run checklist, with JavaScript on and off.
test.use({ storageState: AUTH_FILE });

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("the theme follows the device until chosen, from the header menu, and applies on the first paint", async ({ browser }) => {
      const context = await browser.newContext({ storageState: AUTH_FILE, viewport: { width: 1440, height: 900 }, colorScheme: "light", javaScriptEnabled });
      const page = await context.newPage();
      const base = await createWorkspace(page, unique("Themed"));
      const html = page.locator("html");
      await expect(html).toHaveAttribute("data-theme", "system");
      await expect(page.locator('meta[name="theme-color"]')).toHaveCount(2);
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(await background()).toBe("rgb(246, 247, 249)");

      await page.locator(".theme-menu > summary").click();
      await page.locator(".theme-menu").getByRole("button", { name: "Dark" }).click();
      await expect(html).toHaveAttribute("data-theme", "dark");
      await expect(page).toHaveURL(new RegExp(`${base}$`));
      expect(await background()).toBe("rgb(11, 16, 24)");
      await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute("content", "#0b1018");

      // The server draws the chosen theme: the HTML itself says it, before any script.
      const raw = await (await page.request.get(base)).text();
      expect(raw).toContain('data-theme="dark"');
      expect(raw).toContain('<meta name="color-scheme" content="dark"');

      // The settings page has the same switch.
      await page.goto("/settings");
      await page.getByRole("main").getByRole("button", { name: "Light" }).click();
      await expect(html).toHaveAttribute("data-theme", "light");
      await expect(page.getByRole("main").getByRole("button", { name: "Light" })).toHaveAttribute("aria-pressed", "true");
      await expect(page).toHaveURL(/\/settings$/);
      await context.close();
    });

    test("on a phone the header is one row, and its menu holds the rest", async ({ browser }) => {
      const context = await browser.newContext({
        storageState: AUTH_FILE,
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
        javaScriptEnabled,
      });
      const page = await context.newPage();
      const name = unique("Pocket");
      const base = await createWorkspace(page, name);
      const header = page.getByRole("banner");
      expect((await header.boundingBox())!.height).toBeLessThan(64);
      await expect(header.locator(".ws-current")).toContainText(name);
      await expect(header.getByRole("link", { name: /^Approvals/ })).toBeVisible();
      await expect(header.getByRole("navigation", { name: "Tools" })).toBeHidden();

      await header.getByLabel("Menu").click();
      const tools = header.getByRole("navigation", { name: "Tools" });
      await expect(tools).toBeVisible();
      await expect(header.getByRole("button", { name: "Sign out" })).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await tools.getByRole("link", { name: "Costs", exact: true }).click();
      await expect(page.getByRole("heading", { level: 1, name: /Costs/ })).toBeVisible();
      // A new page starts with the menu closed.
      await expect(header.getByRole("navigation", { name: "Tools" })).toBeHidden();

      await header.getByLabel("Menu").click();
      await header.getByRole("button", { name: "Dark" }).click();
      await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
      await page.goto(base);
      await header.getByLabel("Menu").click();
      await header.getByRole("navigation", { name: "Workspaces" }).getByRole("link", { name }).click();
      await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
      await context.close();
    });

    test("the first-run checklist ticks from real state, tests the gateway in words, and can be hidden", async ({ browser }) => {
      const context = await browser.newContext({ storageState: AUTH_FILE, viewport: { width: 1440, height: 900 }, javaScriptEnabled });
      const page = await context.newPage();
      const base = await createWorkspace(page, unique("Starter"));
      await createTask(page, base, "The first task");
      await page.goto("/");
      const list = page.getByTestId("first-run");
      await expect(list.getByRole("heading", { name: "Get started" })).toBeVisible();
      await expect(list.locator('[data-step="workspace"]')).toHaveAttribute("data-done", "true");
      await expect(list.locator('[data-step="task"]')).toHaveAttribute("data-done", "true");
      // The e2e server runs without a gateway.
      await expect(list.locator('[data-step="gateway"]')).toHaveAttribute("data-done", "false");
      await list.getByRole("button", { name: "Test connection" }).click();
      await expect(page.getByTestId("gateway-test")).toHaveText(/No gateway is configured\. Set OPENCLAW_GATEWAY_URL/);

      // Actions that need the gateway say why they cannot run.
      await page.goto(`${base}/agents`);
      await expect(page.getByTestId("import-unavailable")).toHaveText(/No OpenClaw gateway is configured/);
      await expect(page.getByRole("link", { name: "List the gateway's agents" })).toHaveCount(0);

      await page.goto("/");
      await page.getByRole("button", { name: "Hide this checklist" }).click();
      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByTestId("first-run")).toHaveCount(0);
      await page.reload();
      await expect(page.getByTestId("first-run")).toHaveCount(0);
      await context.close();
    });
  });
}

test("a theme outside the three choices is refused and changes nothing", async ({ page }) => {
  await page.context().addCookies([themeCookie("light")]);
  await page.goto("/settings");
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const res = await page.request.post("/theme", { form: { csrf, theme: "neon", redirect_to: "/settings" }, maxRedirects: 0 });
  expect(res.status()).toBe(400);
  expect(res.headers()["set-cookie"] ?? "").not.toContain("mc_theme");
  const off = await page.request.post("/theme", { form: { csrf, theme: "dark", redirect_to: "https://elsewhere.test/" }, maxRedirects: 0 });
  expect(off.status()).toBe(302);
  expect(off.headers().location).toBe("/settings");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
});
