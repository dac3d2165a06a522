import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { AUTH_FILE, expect, server, test } from "./fixtures";
import { appPages, seedBoard, themeCookie } from "./pages";

// axe-core on every page of the app, at a desktop's and a phone's size, in
// both themes: no violation of WCAG 2.1 A and AA. A theme changes colours
// only (the same document, other CSS variables), so the light theme runs every
// rule and the dark theme the rules about colour.
test.use({ storageState: AUTH_FILE });

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
];
const THEMES = ["light", "dark"] as const;
type Theme = (typeof THEMES)[number];
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

async function violations(page: Page, theme: Theme): Promise<string[]> {
  const axe = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  const result = await (theme === "light" ? axe : axe.withRules(COLOUR_RULES)).analyze();
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ") ?? ""}`)
        .join("\n")}`,
  );
}

async function themedContext(browser: Browser, viewport: { width: number; height: number }, theme: Theme, signedIn: boolean) {
  const phone = viewport.width < 640;
  const context = await browser.newContext({
    storageState: signedIn ? AUTH_FILE : undefined,
    viewport,
    isMobile: phone,
    hasTouch: phone,
  });
  await context.addCookies([themeCookie(theme)]);
  return context;
}

test.describe.configure({ mode: "serial" });

let seed: Awaited<ReturnType<typeof seedBoard>>;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ storageState: AUTH_FILE });
  const page = await context.newPage();
  seed = await seedBoard(page, 24);
  // An approval waiting, so the inbox, the header's count and the task's panel have one.
  const ask = await page.request.post(`${server().url}/api/agent/approvals`, {
    headers: { authorization: `Bearer ${seed.token}` },
    data: { task_id: seed.task.split("/").pop(), action: "deploy", args: { env: "prod" }, target: "web-1", reason: "release 1.2" },
  });
  expect([200, 201]).toContain(ask.status());
  await context.close();
});

for (const viewport of VIEWPORTS) {
  for (const theme of THEMES) {
    test(`every page has no accessibility violation at ${viewport.width} px in the ${theme} theme`, async ({ browser }) => {
      test.setTimeout(600_000);
      const context = await themedContext(browser, viewport, theme, true);
      const tab = await context.newPage();
      for (const path of appPages(seed)) {
        await tab.goto(path);
        await expect(tab.locator("html")).toHaveAttribute("data-theme", theme);
        await expect(tab.locator("main").first()).toBeVisible();
        expect.soft(await violations(tab, theme), `${path} at ${viewport.width} px, ${theme}`).toEqual([]);
      }
      // The header's menu, open.
      await tab.goto(seed.base);
      const menu = tab.locator(viewport.width < 640 ? ".phone-menu" : ".theme-menu");
      await menu.locator("summary").click();
      await expect(menu.getByRole("button", { name: "Light" })).toBeVisible();
      expect.soft(await violations(tab, theme), `header menu open at ${viewport.width} px, ${theme}`).toEqual([]);
      await context.close();

      // Signed out: the sign-in page.
      const outside = await themedContext(browser, viewport, theme, false);
      const login = await outside.newPage();
      await login.goto("/login");
      await expect(login.getByRole("button", { name: "Sign in" })).toBeVisible();
      expect.soft(await violations(login, theme), `/login at ${viewport.width} px, ${theme}`).toEqual([]);
      await outside.close();
    });
  }
}
