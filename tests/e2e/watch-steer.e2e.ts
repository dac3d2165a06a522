import path from "node:path";
import type { Page } from "@playwright/test";
import { ensureOpenClaw } from "../support/openclaw/install";
import { type OpenClawGateway, startOpenClaw } from "../support/openclaw/gateway";
import { type StubModel, startStubModel } from "../support/openclaw/stub-model";
import { type RunningServer, startServer } from "../support/server";
import { ADMIN, expect, test, unique, JS_AND_VIEWPORTS } from "./fixtures";

// Watching and steering a run (decisions 036 and 037) in Chromium, with
// JavaScript on and off, on a desktop and on a phone. This file brings its
// own Mission Control connected to a real OpenClaw gateway with the stub
// model (the shared e2e server has no gateway): a task is dispatched from
// its page, its session shows up on that page (by itself with JavaScript
// on, on reload without), and the steer form's message reaches the model.

const SCREENS = path.resolve("test-results/screens");

let stub: StubModel;
let gateway: OpenClawGateway | null = null;
let mc: RunningServer | null = null;
let base = "";

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  stub = await startStubModel();
  gateway = await startOpenClaw({ modelBaseUrl: stub.url, install: await ensureOpenClaw() });
  mc = await startServer({ env: { OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_GATEWAY_TOKEN: gateway.token } });
  await expect.poll(async () => ((await (await fetch(`${mc!.url}/api/health`)).json()) as { gateway: string }).gateway, { timeout: 60_000 }).toBe("connected");
  const page = await browser.newPage();
  await page.goto(mc.setupUrl!);
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
  const name = unique("Watched");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  base = new URL(page.url()).pathname;
  await page.goto(`${mc.url}${base}/agents`);
  await page.getByLabel("Name").fill("Runner");
  await page.getByLabel("OpenClaw agent id").fill("main");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByTestId("agent-token")).toBeVisible();
  await page.close();
});

test.afterAll(async () => {
  // The gateway drains its runs before it stops.
  test.setTimeout(120_000);
  const errors = mc?.errors() ?? [];
  await mc?.stop();
  await gateway?.stop();
  await stub?.close();
  expect(errors).toEqual([]);
});

async function signIn(page: Page) {
  await page.goto(`${mc!.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
}

/** A task assigned to the gateway's agent, dispatched from its page; its URL. */
async function dispatchTask(page: Page, title: string): Promise<string> {
  await page.goto(`${mc!.url}${base}/tasks/new`);
  await page.getByLabel("Title").fill(title);
  const runner = await page.getByLabel("Assignee").locator("option", { hasText: "Runner" }).getAttribute("value");
  await page.getByLabel("Assignee").selectOption(runner!);
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const url = page.url();
  await page.getByRole("button", { name: "Dispatch now" }).click();
  // A first turn on a fresh gateway takes a while to start (it prepares the agent's workspace).
  await expect(page.getByRole("status").filter({ hasText: "Dispatched" })).toBeVisible({ timeout: 60_000 });
  return url;
}

async function fitsTheScreen(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

for (const { js, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`JavaScript ${js ? "on" : "off"} at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("the task page shows the agent's session as it happens, and a message steers it", async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page);
      const title = unique("Watched job");
      const marker = `out-${Date.now().toString(36)}`;
      const steer = `Please also check the staging logs ${marker}`;
      stub.setRules([
        { contains: steer, reply: `Checked the staging logs for ${marker}.` },
        {
          contains: title,
          reply: "Listed the files. <b>Not bold</b>. TASK_COMPLETE: listed",
          toolCall: { name: "exec", arguments: { command: `echo ${marker}` } },
        },
      ]);
      const url = await dispatchTask(page, title);
      const panel = page.locator("#transcript");
      // The command waits for a decision (the gateway asks before every command): the session says so, and an approver lets it run.
      const held = page.getByTestId("transcript-exec-pending");
      if (js) await expect(held).toBeVisible({ timeout: 60_000 });
      else
        await expect(async () => {
          await page.goto(url);
          await expect(held).toBeVisible({ timeout: 1000 });
        }).toPass({ timeout: 60_000 });
      await expect(panel.locator('[data-kind="tool-call"]')).toContainText(`echo ${marker}`);
      await page.screenshot({ path: path.join(SCREENS, `watch-held-${js ? "js" : "nojs"}-${viewport.width}.png`), fullPage: true });
      await page.locator("#approvals").getByRole("button", { name: "Approve", exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: "Approved" })).toBeVisible();
      const reply = panel.locator('[data-kind="assistant"]').filter({ hasText: "Listed the files." });
      if (js) {
        // Live: the page revalidates on the session's events, no reload.
        await expect(reply).toBeVisible({ timeout: 60_000 });
      } else {
        await expect(async () => {
          await page.goto(url);
          await expect(reply).toBeVisible({ timeout: 1000 });
        }).toPass({ timeout: 60_000 });
      }
      // The tool call with its arguments, and its result; the agent's markup is text.
      await expect(panel.locator('[data-kind="tool-call"]')).toContainText(`echo ${marker}`);
      await expect(panel.locator('[data-kind="tool-result"]')).toContainText(marker);
      await expect(reply).toContainText("<b>Not bold</b>");
      await expect(panel.locator("b")).toHaveCount(0);
      await expect(page.getByTestId("transcript-usage")).toContainText("tokens");
      // The dispatch message folds away; it opens without JavaScript too.
      const prompt = panel.locator('[data-kind="prompt"]').first();
      await prompt.getByText(/Show all [\d,]+ characters/).click();
      await expect(prompt).toContainText("Bearer [redacted]");
      await fitsTheScreen(page, viewport.width);
      await page.screenshot({ path: path.join(SCREENS, `watch-${js ? "js" : "nojs"}-${viewport.width}.png`), fullPage: true });

      await page.getByLabel("Message the agent").fill(steer);
      await page.getByRole("button", { name: "Send to agent" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Message sent to Runner." })).toBeVisible();
      await expect(page.locator(".activity")).toContainText(`Message to the agent: ${steer}`);
      await expect(page.getByLabel("Message the agent")).toHaveValue("");
      await expect.poll(() => stub.requests.some((r) => r.userText.includes(steer)), { timeout: 30_000 }).toBe(true);
      const answer = panel.locator('[data-kind="assistant"]').filter({ hasText: `Checked the staging logs for ${marker}.` });
      if (js) await expect(answer).toBeVisible({ timeout: 60_000 });
      else
        await expect(async () => {
          await page.goto(url);
          await expect(answer).toBeVisible({ timeout: 1000 });
        }).toPass({ timeout: 60_000 });
      await fitsTheScreen(page, viewport.width);
      await page.screenshot({ path: path.join(SCREENS, `steer-${js ? "js" : "nojs"}-${viewport.width}.png`), fullPage: true });
    });

    test("an empty message is refused beside the box, and nothing is sent", async ({ page }) => {
      await signIn(page);
      const title = unique("Quiet job");
      stub.setRules([{ contains: title, reply: "TASK_COMPLETE: quiet" }]);
      await dispatchTask(page, title);
      await expect.poll(() => stub.requests.some((r) => r.userText.includes(title) && r.completed), { timeout: 30_000 }).toBe(true);
      const sent = stub.requests.length;
      // Blanks pass the browser's own "required" check; the server's refuses them.
      await page.getByLabel("Message the agent").fill("    ");
      await page.getByRole("button", { name: "Send to agent" }).click();
      await expect(page.getByText("Write a message for the agent")).toBeVisible();
      await expect(page.getByLabel("Message the agent")).toHaveAttribute("aria-invalid", "true");
      await expect(page.locator(".activity")).not.toContainText("Message to the agent");
      expect(stub.requests.length).toBe(sent);
    });
  });
}
