import { AUTH_FILE, expect, server, test, JS_AND_VIEWPORTS } from "./fixtures";
import { richTask } from "./task-page-support";

// The task page as an operator reads it: Markdown rendered with safe links,
// the approvals waiting on the task decided there, files attached and
// previewed, and an HTML report previewed in a frame where its script cannot
// run or reach the app. JavaScript on and off, desktop and phone.

test.use({ storageState: AUTH_FILE });

for (const { js: javaScriptEnabled, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`${javaScriptEnabled ? "with" : "without"} JavaScript at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled, viewport });

    test("renders the description's Markdown with safe links", async ({ page }) => {
      const t = await richTask(page, "Markdown");
      await page.goto(t.url);
      const description = page.getByTestId("task-description");
      await expect(description.locator("strong")).toHaveText("three");
      const docs = description.getByRole("link", { name: "the docs" });
      await expect(docs).toHaveAttribute("href", "https://example.com/docs");
      await expect(docs).toHaveAttribute("rel", "noopener noreferrer nofollow");
      await expect(docs).toHaveAttribute("target", "_blank");
      await expect(description.getByRole("link", { name: "https://example.org/plain" })).toBeVisible();
      await expect(description).toContainText("Raw <script>alert(1)</script> stays text");
      await expect(description.locator("script")).toHaveCount(0);
    });

    test("approves a request from the task page, arguments shown as a list", async ({ page }) => {
      const t = await richTask(page, "Approve here");
      const asked = await t.ask({ env: "prod", replicas: 3 });
      await page.goto(t.url);
      const card = page.locator(`[data-approval-id="${asked.id}"]`);
      await expect(card).toContainText("deploy on web-1");
      await expect(card).toContainText("Asked by Builder (agent)");
      await expect(card.locator(".arg", { hasText: "env" }).locator("dd")).toHaveText("prod");
      await expect(card.locator(".arg", { hasText: "replicas" }).locator("dd")).toHaveText("3");
      await expect(card).not.toContainText("{");
      await card.getByLabel("Comment").fill("go");
      await card.getByRole("button", { name: "Approve", exact: true }).click();
      await expect(card).toHaveCount(0);
      expect(await t.poll(asked.id)).toBe("approved");
      await expect(page.locator(".activity")).toContainText("Approved deploy: go");
    });

    test("attaches a file for the agent and previews it", async ({ page }) => {
      const t = await richTask(page, "Attach");
      await page.goto(t.url);
      await page
        .getByLabel("File to attach")
        .setInputFiles({ name: "brief notes.txt", mimeType: "text/plain", buffer: Buffer.from("Operator brief\nline two") });
      await page.getByRole("button", { name: "Attach file", exact: true }).click();
      const item = page.locator('[data-upload="brief_notes.txt"]');
      await expect(item).toContainText("uploaded by Ada Admin");
      await expect(item.locator(".preview-text pre")).toHaveText("Operator brief\nline two");
      await expect(page.locator("#files").getByRole("status")).toHaveText("✓ Attached");
      // The agent downloads it with its token.
      const res = await page.request.get(`${server().url}/api/agent/tasks/${t.taskId}/files/brief_notes.txt`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      expect(await res.text()).toBe("Operator brief\nline two");
      // Removing takes a second, deliberate press.
      await item.getByText("Remove…").click();
      await item.getByRole("button", { name: "Remove brief_notes.txt" }).click();
      await expect(page.locator('[data-upload="brief_notes.txt"]')).toHaveCount(0);
    });

    test("previews deliverables: image, Markdown, text, and an HTML report whose script cannot run", async ({ page }) => {
      const t = await richTask(page, "Previews");
      await page.goto(t.url);
      const title = await page.title();
      await expect(page.locator(".preview-image img")).toHaveAttribute("src", `${t.url}/files/chart.png?preview=1`);
      expect(await page.locator(".preview-image img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
      await expect(page.locator(".preview-markdown h1")).toHaveText("Summary");
      await expect(page.locator(".preview-markdown").getByRole("link", { name: "https://example.com/q3" })).toHaveAttribute(
        "rel",
        "noopener noreferrer nofollow",
      );
      await expect(page.locator(".preview-text pre").first()).toHaveText("step 1 ok\nstep 2 ok\n");

      const frameElement = page.locator(".preview-html iframe");
      await expect(frameElement).toHaveAttribute("sandbox", "");
      const frame = page.frameLocator(".preview-html iframe");
      await expect(frame.locator("#report-heading")).toHaveText("Quarterly report");
      // The script would have retitled both documents, rewritten the heading and copied the cookies.
      await expect(frame.locator("body")).not.toHaveAttribute("data-cookie", /.*/);
      expect(await page.title()).toBe(title);
      const inside = await frameElement.elementHandle().then((h) => h!.contentFrame());
      expect(await inside!.evaluate(() => [document.title, window.origin])).toEqual(["Quarterly report", "null"]);
    });
  });
}

test("the HTML report opened directly runs no script and cannot read the app's cookies", async ({ page }) => {
  const t = await richTask(page, "Direct");
  await page.goto(`${t.url}/files/report.html?preview=1`);
  await expect(page.locator("#report-heading")).toHaveText("Quarterly report");
  expect(await page.title()).toBe("Quarterly report");
  expect(await page.evaluate(() => window.origin)).toBe("null");
  await expect(page.locator("body")).not.toHaveAttribute("data-cookie", /.*/);
});

test("a request made while the page is open appears without a reload", async ({ page }) => {
  const t = await richTask(page, "Live approval");
  await page.goto(t.url);
  await expect(page.locator(".conn")).toHaveText("Live");
  await expect(page.locator("#approvals")).toHaveCount(0);
  const asked = await t.ask({ env: "canary" });
  await expect(page.locator(`[data-approval-id="${asked.id}"]`)).toContainText("canary");
});

test("a data request the router gave up on is not reported as an error; any other rejection still is", async ({ page, consoleProblems }) => {
  const t = await richTask(page, "Quiet aborts");
  await page.goto(t.url);
  await expect(page.locator(".conn")).toHaveText("Live");
  const prevented = (reason: "abort" | "error") =>
    page.evaluate(
      (kind) =>
        new Promise<boolean>((resolve) => {
          window.addEventListener("unhandledrejection", (event) => setTimeout(() => resolve(event.defaultPrevented)), { once: true });
          void Promise.reject(kind === "abort" ? new DOMException("signal is aborted without reason", "AbortError") : new Error("a real failure"));
        }),
      reason,
    );
  expect(await prevented("abort")).toBe(true);
  // The app's handler leaves a real failure alone: it is reported (and, provoked here on purpose, taken off the list).
  expect(await prevented("error")).toBe(false);
  await expect.poll(() => consoleProblems.includes("page error: a real failure")).toBe(true);
  consoleProblems.splice(consoleProblems.indexOf("page error: a real failure"), 1);
  expect(consoleProblems).toEqual([]);
});
