import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AUTH_FILE, expect, server, test } from "../../tests/e2e/fixtures";
import { namedPages, seedBoard, themeCookie } from "../../tests/e2e/pages";

// Screenshots of every page, for a reviewer: `npm run screens` after a build.
const OUT = path.resolve("docs/screens");
const SIZES = [
  { label: "1440", viewport: { width: 1440, height: 900 } },
  { label: "390", viewport: { width: 390, height: 844 } },
];

test.use({ storageState: AUTH_FILE });

test("screenshots of every page at 1440 and 390 px", async ({ page, browser }) => {
  const seed = await seedBoard(page, 48);
  const taskId = seed.task.split("/").pop()!;
  for (const [action, target] of [
    ["deploy", "web-1"],
    ["send_email", "customers"],
  ] as const) {
    const res = await page.request.post(`${server().url}/api/agent/approvals`, {
      headers: { authorization: `Bearer ${seed.token}` },
      data: { task_id: taskId, action, args: { env: "prod" }, target, reason: "ready for release" },
    });
    expect([200, 201]).toContain(res.status());
  }
  // A heartbeat receipt, so that page shows one.
  await page.goto("/heartbeat");
  const run = page.getByRole("button", { name: /run/i }).first();
  if (await run.isVisible()) await run.click();

  mkdirSync(OUT, { recursive: true });
  const rows: string[] = [];
  const pages = [...namedPages(seed), { name: "login", path: "/login" }];
  for (const theme of ["dark", "light"] as const) {
    for (const { label, viewport } of SIZES) {
      const phone = viewport.width < 640;
      const signedIn = await browser.newContext({ storageState: AUTH_FILE, viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: 1 });
      const signedOut = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: 1 });
      for (const context of [signedIn, signedOut]) await context.addCookies([themeCookie(theme)]);
      const inside = await signedIn.newPage();
      const outside = await signedOut.newPage();
      // The light theme for the pages people keep open; the dark one for every page.
      const shown = theme === "dark" ? pages : pages.filter((p) => ["board", "task", "approvals", "workspaces"].includes(p.name));
      for (const { name, path: at } of shown) {
        const tab = name === "login" ? outside : inside;
        await tab.goto(at);
        await expect(tab.locator("main").first()).toBeVisible();
        const file = `${name}-${label}${theme === "light" ? "-light" : ""}.png`;
        await tab.screenshot({ path: path.join(OUT, file), fullPage: !(name.startsWith("board") && !phone) });
        rows.push(
          `| ${name} | ${label} px | ${theme} | \`${at.replace(seed.base, "/w/<workspace>").replace(/[0-9a-f-]{36}/g, "<id>")}\` | [${file}](${file}) |`,
        );
      }
      if (theme === "dark" && phone) {
        // The phone header's menu, open.
        await inside.goto(seed.base);
        await inside.locator(".phone-menu > summary").click();
        await inside.screenshot({ path: path.join(OUT, "menu-390.png") });
        rows.push("| header menu | 390 px | dark | `/w/<workspace>` | [menu-390.png](menu-390.png) |");
      }
      await signedIn.close();
      await signedOut.close();
    }
  }
  writeFileSync(
    path.join(OUT, "README.md"),
    [
      "# Screens",
      "",
      "Every page of Mission Control at a desktop's width (1440 × 900) and a phone's (390 × 844), on a seeded workspace",
      "(tasks in every status, an agent, usage, approvals waiting). Regenerate with `npm run build && npm run screens`.",
      "The board at 1440 px is the first screen; the other pages are whole.",
      "",
      "| page | width | theme | address | file |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
});
