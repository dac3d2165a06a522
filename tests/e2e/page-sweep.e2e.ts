import { wcagAxe } from "./axe";
import type { Browser, Page } from "@playwright/test";
import { AUTH_FILE, expect, test } from "./fixtures";
import { appPages, seedBoard, themeCookie } from "./pages";
import { richTask } from "./task-page-support";

// Every page of the app, loaded once per setting, with a realistic board:
//   - at 1440 and 390 px with JavaScript on, in the light theme: no WCAG 2.1 A
//     or AA violation (axe-core) and nothing wider than the screen; at 390 px
//     the colour rules (the costliest) run on the header's menu and the
//     sign-in page only, since colours do not change with the width;
//   - in the dark theme: the colour rules on every page at 1440 px (a theme
//     changes CSS colour variables only, the same document, and colours do not
//     change with the width), and on a phone what only a phone shows (the
//     header's menu) and the sign-in page;
//   - in every width check, also no checkbox or radio button drawn at a text
//     field's size (the global input style applied to it);
//   - at 390 px without JavaScript: nothing wider than the screen (the same
//     server-rendered document; what JavaScript adds is checked above).
// One page load serves both checks of a setting, and one seed serves them all.
test.use({ storageState: AUTH_FILE });
test.describe.configure({ mode: "serial" });

type Theme = "light" | "dark";
type Viewport = { width: number; height: number };
const DESKTOP: Viewport = { width: 1440, height: 900 };
const PHONE: Viewport = { width: 390, height: 844 };
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

/** Which of the WCAG 2.1 A/AA rules a pass runs: all, the colour rules only, or all but them. */
type Rules = "all" | "colour" | "not-colour";

async function violations(page: Page, rules: Rules): Promise<string[]> {
  const axe = wcagAxe(page);
  const result = await (rules === "colour" ? axe.withRules(COLOUR_RULES) : rules === "not-colour" ? axe.disableRules(COLOUR_RULES) : axe).analyze();
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ") ?? ""}`)
        .join("\n")}`,
  );
}

async function contextFor(browser: Browser, viewport: Viewport, opts: { theme?: Theme; javaScriptEnabled?: boolean; signedIn?: boolean } = {}) {
  const phone = viewport.width < 640;
  const context = await browser.newContext({
    storageState: opts.signedIn === false ? undefined : AUTH_FILE,
    viewport,
    isMobile: phone,
    hasTouch: phone,
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
  });
  if (opts.theme) await context.addCookies([themeCookie(opts.theme)]);
  return context;
}

/** How much wider than the screen the page is, if it is; and checkboxes or radio buttons drawn at a text field's size. */
async function layoutProblems(page: Page, viewport: Viewport): Promise<string[]> {
  const { width, bigChecks } = await page.evaluate(() => ({
    width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    bigChecks: [...document.querySelectorAll<HTMLInputElement>('input[type="checkbox"], input[type="radio"]')]
      .filter((el) => el.getBoundingClientRect().width > 32)
      .map((el) => el.name || el.id),
  }));
  return [
    ...(width > viewport.width ? [`${page.url()}: ${width} px wide`] : []),
    ...bigChecks.map((name) => `${page.url()}: checkbox ${name} drawn wider than 32 px`),
  ];
}

/** The header's menu, open, and the sign-in page: no violation. */
async function menuAndSignIn(browser: Browser, page: Page, base: string, viewport: Viewport, theme: Theme) {
  const phone = viewport.width < 640;
  await page.goto(base);
  const menu = page.locator(phone ? ".phone-menu" : ".theme-menu");
  await menu.locator("summary").click();
  await expect(menu.getByRole("button", { name: "Light" })).toBeVisible();
  expect.soft(await violations(page, theme === "light" ? "all" : "colour"), `header menu open at ${viewport.width} px, ${theme}`).toEqual([]);
  const outside = await contextFor(browser, viewport, { theme, signedIn: false });
  const login = await outside.newPage();
  await login.goto("/login");
  await expect(login.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect.soft(await violations(login, theme === "light" ? "all" : "colour"), `/login at ${viewport.width} px, ${theme}`).toEqual([]);
  await outside.close();
}

let seed: Awaited<ReturnType<typeof seedBoard>>;
let paths: string[];

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ storageState: AUTH_FILE });
  const page = await context.newPage();
  seed = await seedBoard(page, 120);
  // A task page with everything on it: approvals waiting, checks, previews of every kind, attached files.
  const t = await richTask(page, "Wide task");
  await t.ask({ env: "prod", note: `${"long-".repeat(40)}value`, nested: { regions: ["eu-west-1", "us-east-1"], canary: true } });
  await page.goto(t.url);
  await page
    .getByLabel("File to attach")
    .setInputFiles({ name: `${"very-long-name-".repeat(8)}.txt`, mimeType: "text/plain", buffer: Buffer.from("x".repeat(400)) });
  await page.getByRole("button", { name: "Attach file", exact: true }).click();
  await expect(page.locator("#files").getByRole("status")).toBeVisible();
  paths = [...appPages(seed), t.url];
  await context.close();
});

for (const viewport of [DESKTOP, PHONE]) {
  test(`every page at ${viewport.width} px with JavaScript on has no accessibility violation and fits the screen`, async ({ browser }) => {
    test.setTimeout(600_000);
    const context = await contextFor(browser, viewport, { theme: "light" });
    const page = await context.newPage();
    if (viewport === DESKTOP) {
      // At 1440 px every lane is on screen, and "Needs you" is one row above them.
      for (const path of [seed.base, `${seed.base}?cancelled=1`]) {
        await page.goto(path);
        await expect(page.locator('[data-status="done"] .card').first()).toBeVisible();
        const lanes = await page.locator(".board > .column").evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().right)));
        expect(lanes).toHaveLength(path === seed.base ? 7 : 8);
        for (const right of lanes) expect(right, `every lane of ${path} is on screen`).toBeLessThanOrEqual(viewport.width);
      }
    }
    const wide: string[] = [];
    for (const path of paths) {
      await page.goto(path);
      await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
      await expect(page.locator("main").first()).toBeVisible();
      wide.push(...(await layoutProblems(page, viewport)));
      // Colours do not change with the width (the colour rules are the sweep's costliest: they run at 1440 px and on the phone's menu).
      expect.soft(await violations(page, viewport === DESKTOP ? "all" : "not-colour"), `${path} at ${viewport.width} px, light`).toEqual([]);
    }
    expect.soft(wide, `pages wider than ${viewport.width} px, or with oversized checkboxes`).toEqual([]);
    await menuAndSignIn(browser, page, seed.base, viewport, "light");
    await context.close();
  });
}

test("every page in the dark theme has no colour violation at 1440 px, nor the phone's header menu", async ({ browser }) => {
  test.setTimeout(600_000);
  const context = await contextFor(browser, DESKTOP, { theme: "dark" });
  const page = await context.newPage();
  for (const path of paths) {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await expect(page.locator("main").first()).toBeVisible();
    expect.soft(await violations(page, "colour"), `${path} at 1440 px, dark`).toEqual([]);
  }
  await menuAndSignIn(browser, page, seed.base, DESKTOP, "dark");
  await context.close();

  const phone = await contextFor(browser, PHONE, { theme: "dark" });
  await menuAndSignIn(browser, await phone.newPage(), seed.base, PHONE, "dark");
  await phone.close();
});

test("without JavaScript no page is wider than a phone's screen", async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await contextFor(browser, PHONE, { javaScriptEnabled: false });
  const page = await context.newPage();
  const wide: string[] = [];
  for (const path of paths) {
    await page.goto(path);
    await expect(page.locator("main").first()).toBeVisible();
    wide.push(...(await layoutProblems(page, PHONE)));
  }
  expect.soft(wide, "pages wider than 390 px without JavaScript").toEqual([]);
  await context.close();
});
