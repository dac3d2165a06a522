import { type Server, createServer } from "node:http";
import { AUTH_FILE, JS_AND_VIEWPORTS, expect, test, unique } from "./fixtures";

// Notification settings as a user has them (decision 047), with JavaScript on
// and off, on a desktop and a phone: save preferences and quiet hours (bad
// ones refused next to the field), add a webhook channel pointing at a
// receiver on loopback, send it a test, see the delivery in its log, and
// remove it.
test.use({ storageState: AUTH_FILE });

let receiver: Server;
let receiverUrl = "";
const received: string[] = [];

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

for (const { js, viewport, name } of JS_AND_VIEWPORTS) {
  test.describe(name, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("preferences and quiet hours are saved, and a webhook channel gets a test message", async ({ page }) => {
      await page.goto("/settings");
      await page.getByRole("link", { name: "Notification preferences and channels" }).click();
      await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

      const form = page.getByTestId("preferences-form");
      await form.getByLabel("A task is done").uncheck();
      await form.getByLabel("From (HH:MM)").fill("25:00");
      await form.getByLabel("Until (HH:MM)").fill("07:00");
      await form.getByRole("button", { name: "Save preferences" }).click();
      await expect(form.getByText("Use a time like 22:00")).toBeVisible();

      await form.getByLabel("From (HH:MM)").fill("22:00");
      await form.getByRole("button", { name: "Save preferences" }).click();
      await expect(page.getByTestId("preferences-saved")).toBeVisible();
      await expect(page.getByTestId("preferences-form").getByLabel("A task is done")).not.toBeChecked();
      await expect(page.getByTestId("preferences-form").getByLabel("From (HH:MM)")).toHaveValue("22:00");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

      const channel = unique("Ops hook");
      const add = page.getByTestId("add-webhook");
      await add.locator("summary").click();
      await add.getByLabel("Channel name").fill(channel);
      await add.getByLabel("Webhook URL").fill(`${receiverUrl}/hook`);
      await add.getByRole("button", { name: "Add channel" }).click();
      await expect(page.getByRole("heading", { name: channel, level: 1 })).toBeVisible();
      await expect(page.getByText("Nothing sent yet.")).toBeVisible();

      const before = received.length;
      await page.getByRole("button", { name: "Send a test" }).click();
      await expect(page.getByText("Test message queued")).toBeVisible();
      const channelPage = page.url();
      await expect.poll(() => received.slice(before).some((b) => b.includes('"kind":"channel_test"')), { timeout: 20_000 }).toBe(true);
      await expect
        .poll(
          async () => {
            await page.goto(channelPage);
            return page.getByTestId("delivery-log").locator('tr[data-ok="true"]').count();
          },
          { timeout: 20_000 },
        )
        .toBeGreaterThan(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: `test-results/notifications-${js ? "js" : "nojs"}-${viewport.width}.png`, fullPage: true });

      await page.getByRole("button", { name: "Remove channel" }).click();
      await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
      await expect(page.getByTestId("channel-list")).not.toContainText(channel);
    });
  });
}
