import type { Page } from "@playwright/test";
import { type PushReceiver, startPushReceiver } from "../support/push-receiver";
import { AUTH_FILE, JS_AND_VIEWPORTS, createWorkspace, expect, server, test, unique } from "./fixtures";
import { longArgs } from "./pages";

// The installable app and deciding from a phone (decision 048): the manifest
// is linked and valid, the service worker registers with JavaScript on, the
// settings page's devices work with JavaScript off, and an approval's own page
// (what a push notification opens) shows Approve within the first screen at
// 390 px, above its long arguments, and approves with JavaScript on and off.
//
// Headless Chromium cannot subscribe to a push service of our choosing (it
// only talks to its vendor's), so the page posts a subscription whose keys
// the test made up, for a loopback push service the test starts; the test
// button then sends to it and it decrypts the message.
test.use({ storageState: AUTH_FILE });

let push: PushReceiver;
test.beforeAll(async () => {
  push = await startPushReceiver();
});
test.afterAll(async () => {
  await push.close();
});

/** What the settings page's script posts, sent from the page itself with the session and its form token. */
async function saveSubscription(page: Page, subscription: unknown): Promise<number> {
  await page.goto("/settings");
  const token = await page.locator('input[name="csrf"]').first().inputValue();
  return page.evaluate(
    async ([body, csrf]) =>
      (await fetch("/api/push-subscriptions", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body })).status,
    [JSON.stringify(subscription), token] as const,
  );
}

async function pendingApproval(page: Page): Promise<{ path: string; title: string }> {
  const base = await createWorkspace(page, unique("Phone"));
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Deployer");
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = (await page.getByTestId("agent-token").innerText()).trim();
  await page.goto(`${base}/tasks/new`);
  const title = unique("Release");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Assignee").selectOption({ label: "🤖 Deployer" });
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const taskId = page.url().split("/").pop()!;
  const res = await page.request.post(`${server().url}/api/agent/approvals`, {
    headers: { authorization: `Bearer ${token}` },
    data: { task_id: taskId, action: "deploy", args: longArgs(), target: "web-1", reason: "Release 1.2 ".repeat(30).trim() },
  });
  expect(res.status(), await res.text()).toBe(201);
  return { path: `/approvals/${((await res.json()) as { id: string }).id}`, title };
}

test.describe("JavaScript on", () => {
  test("the manifest is linked and valid, and the service worker registers for the whole site", async ({ page }) => {
    await page.goto("/settings");
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(href).toBe("/manifest.webmanifest");
    const manifest = (await (await page.request.get(href!)).json()) as {
      name: string;
      display: string;
      start_url: string;
      icons: Array<{ src: string; sizes: string; purpose: string }>;
    };
    expect(manifest).toMatchObject({ name: "Mission Control", display: "standalone", start_url: "/" });
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(["192x192 any", "512x512 any", "192x192 maskable", "512x512 maskable"]);
    for (const icon of manifest.icons) {
      const res = await page.request.get(icon.src);
      expect(res.status(), icon.src).toBe(200);
      expect(res.headers()["content-type"]).toBe("image/png");
    }
    const worker = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return { script: registration.active?.scriptURL ?? "", scope: registration.scope };
    });
    expect(worker).toEqual({ script: `${server().url}/sw.js`, scope: `${server().url}/` });
    await expect(page.locator("html")).toHaveAttribute("data-service-worker", "registered");
    // With JavaScript the panel offers to add this device.
    await expect(page.getByRole("button", { name: "Notify me on this device" })).toBeVisible();
  });

  test("a subscription posted from the page is listed, and its test notification arrives at the push service decrypted", async ({ page }) => {
    const browser = push.browser();
    expect(await saveSubscription(page, browser.json)).toBe(201);
    await page.reload();
    const row = page.locator(".push-devices tbody tr").last();
    await expect(row).toContainText("Chrome on Linux");
    await row.getByRole("button", { name: "Send a test notification" }).click();
    await expect(page.locator(".toast")).toContainText("Test notification sent");
    const message = push.messages.findLast((m) => browser.endpoint.endsWith(m.path));
    expect(message?.vapidProblem).toBeNull();
    expect(JSON.parse(message!.payload!)).toMatchObject({ title: "Mission Control", url: "/approvals" });
    await row.getByRole("button", { name: "Remove" }).click();
    await expect(page.locator(".toast")).toContainText("Removed");
  });
});

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport, isMobile: viewport.width < 640, hasTouch: viewport.width < 640 });

    if (!js) {
      test("the settings page explains that adding a device needs JavaScript, and removes a device without it", async ({ page, context }) => {
        // The subscription is made with JavaScript (as a browser would); the rest of the test runs without.
        const helper = await context.browser()!.newContext({ storageState: AUTH_FILE });
        const helperPage = await helper.newPage();
        expect(await saveSubscription(helperPage, push.browser().json)).toBe(201);
        await helper.close();
        await page.goto("/settings");
        await expect(page.locator('[data-push="needs-javascript"]')).toContainText("Notifications need JavaScript");
        await expect(page.getByRole("button", { name: "Notify me on this device" })).toHaveCount(0);
        const rows = page.locator(".push-devices tbody tr");
        const before = await rows.count();
        expect(before).toBeGreaterThan(0);
        await rows.last().getByRole("button", { name: "Remove" }).click();
        await expect(page).toHaveURL(/\/settings#devices$/);
        await expect(page.locator(".toast")).toContainText("Removed");
        await expect(rows).toHaveCount(before - 1);
      });
    }

    test("an approval's own page shows Approve within the first screen and approves", async ({ page }) => {
      const { path, title } = await pendingApproval(page);
      await page.goto(path);
      await expect(page.getByRole("link", { name: title })).toBeVisible();
      const approve = page.getByRole("button", { name: "Approve", exact: true });
      const deny = page.getByRole("button", { name: "Deny", exact: true });
      for (const button of [approve, deny]) {
        const box = (await button.boundingBox())!;
        expect(box.y + box.height, "above the fold").toBeLessThanOrEqual(viewport.height);
      }
      // The long arguments follow the buttons, on the same page.
      const args = page.getByLabel("Exactly what will happen");
      expect((await args.boundingBox())!.y).toBeGreaterThan((await approve.boundingBox())!.y);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await approve.click();
      await expect(page.locator(".approval-outcome")).toContainText("approved");
      await expect(page).toHaveURL(new RegExp(`${path}$`));
    });
  });
}
