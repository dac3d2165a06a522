import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, moveCard, server, test, unique, JS_AND_VIEWPORTS } from "./fixtures";

// The pages people read: the audit log (names, words, filters in the URL,
// links), the agent page (tasks, runs, autonomy and budget in words) and
// analytics in plain words, at a desktop and a phone size, JavaScript on and off.
test.use({ storageState: AUTH_FILE });

const noSideways = async (page: Page) => {
  const width = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  expect(width, `${page.url()} fits the screen`).toBeLessThanOrEqual(page.viewportSize()!.width);
};

async function agentWithTask(page: Page) {
  const base = await createWorkspace(page, unique("Readable"));
  const agentName = unique("Scribe");
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill(agentName);
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = (await page.getByTestId("agent-token").innerText()).trim();
  const agentPath = (await page.getByRole("link", { name: agentName }).getAttribute("href"))!;
  await page.goto(`${base}/tasks/new`);
  const title = unique("Write the minutes");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Assignee").selectOption({ label: `🤖 ${agentName}` });
  await page.getByLabel("Start in").selectOption("assigned");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const taskId = page.url().split("/").pop()!;
  return { base, agentName, agentPath, token, title, taskId };
}

for (const { js: javaScriptEnabled, viewport } of JS_AND_VIEWPORTS) {
  test.describe(`at ${viewport.width} px, JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ viewport, javaScriptEnabled, isMobile: viewport.width < 640, hasTouch: viewport.width < 640 });

    test("the agent page shows its tasks, runs, autonomy and budget in words, and the audit log names and links the change", async ({ page }) => {
      const { agentName, agentPath, token, title, taskId } = await agentWithTask(page);
      // The agent starts its task and reports it complete through its API: one run.
      for (const status of ["in_progress", "review"]) {
        const res = await page.request.patch(`${server().url}/api/agent/tasks/${taskId}`, {
          headers: { authorization: `Bearer ${token}` },
          data: { status, summary: "Minutes written" },
        });
        expect(res.status(), await res.text()).toBe(200);
      }
      const usage = await page.request.post(`${server().url}/api/agent/tasks/${taskId}/usage`, {
        headers: { authorization: `Bearer ${token}` },
        data: { model: "anthropic/claude-sonnet-5", input_tokens: 100000, output_tokens: 20000 },
      });
      expect(usage.status()).toBe(201);

      await page.goto(agentPath);
      await expect(page.getByRole("heading", { name: agentName, level: 1 })).toBeVisible();
      await expect(page.getByTestId("agent-autonomy")).toContainText("Human in the loop (approve first). Gated actions wait for an approver");
      await expect(page.getByTestId("agent-budget")).toContainText("No budget set; $0.40 spent today (UTC)");
      const tasks = page.getByTestId("agent-tasks");
      await expect(tasks).toContainText("1 open · 0 done · 0 cancelled");
      await expect(tasks.getByRole("link", { name: title })).toHaveAttribute("href", new RegExp(`/tasks/${taskId}$`));
      await expect(tasks).toContainText("Testing");
      const runs = page.getByTestId("agent-runs");
      await expect(runs.locator("li")).toHaveCount(1);
      await expect(runs.locator("li").first()).toHaveAttribute("data-outcome", "completed");
      await expect(runs).toContainText("Reported complete");
      await expect(runs).toContainText("120k");
      // The seeded price table knows the model: an estimate, not "without cost".
      await expect(runs).toContainText("$0.40");
      await noSideways(page);

      // Set autonomy: the form fits the screen and works as a plain post.
      const form = page.locator("form.autonomy-form");
      const box = (await form.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      await page.getByLabel("Autonomy level").selectOption("hotl");
      await page.getByRole("button", { name: "Set autonomy" }).click();
      await expect(page.getByTestId("agent-autonomy")).toContainText("Human on the loop (veto window). Gated actions run after a veto window");

      // The audit log: filter by action through the form; the URL holds it.
      await page.goto("/admin/audit");
      await page.getByLabel("Action").selectOption("agent.autonomy_changed");
      await page.getByLabel("Text").fill(agentName);
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page).toHaveURL(/action=agent\.autonomy_changed/);
      await expect(page).toHaveURL(/q=Scribe/);
      const entries = page.getByTestId("audit-entry");
      await expect(entries).toHaveCount(1);
      const entry = entries.first();
      await expect(entry).toContainText("Changed an agent's autonomy");
      await expect(entry.locator(".audit-who")).toHaveText("Ada Admin");
      await expect(entry.locator(".audit-details dt")).toHaveText(["Name", "From", "To", "Less supervision"]);
      await expect(entry.locator(".audit-details dd")).toHaveText([agentName, "Human in the loop (approve first)", "Human on the loop (veto window)", "Yes"]);
      await expect(entry.locator(".audit-details")).not.toContainText("{");
      await expect(page.getByTestId("audit-export")).toHaveAttribute("href", /^\/admin\/audit\/export\?action=agent\.autonomy_changed&q=/);
      await noSideways(page);
      await entry.getByRole("link", { name: agentName }).click();
      await expect(page).toHaveURL(new RegExp(`${agentPath}$`));
      await expect(page.getByRole("heading", { name: agentName, level: 1 })).toBeVisible();

      // Who filter: the dispatcher's entries only.
      await page.goto("/admin/audit");
      await page.getByLabel("Who").selectOption({ label: "Ada Admin" });
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page).toHaveURL(/actor=user%3A/);
      await expect(page.locator(".audit-who").first()).toHaveText("Ada Admin");
      expect(new Set(await page.locator(".audit-who").allInnerTexts())).toEqual(new Set(["Ada Admin"]));

      // A bad filter is refused with a 400 and says why.
      const res = await page.goto("/admin/audit?from=2026-02-30");
      expect(res!.status()).toBe(400);
      await expect(page.getByText("A date, e.g. 2026-12-01")).toBeVisible();
      await expect(page.getByTestId("audit-empty")).toHaveText("Correct the filters to see entries.");
    });
  });
}

test.describe("analytics in plain words", () => {
  test.use({ javaScriptEnabled: false });

  test("credits the agent only with what it reported complete and names the people who closed the rest", async ({ page }) => {
    const { base, agentName, token, taskId } = await agentWithTask(page);
    // The agent's task: reported complete (on to testing), then taken to done on the board.
    for (const status of ["in_progress", "review"]) {
      const res = await page.request.patch(`${server().url}/api/agent/tasks/${taskId}`, { headers: { authorization: `Bearer ${token}` }, data: { status } });
      expect(res.status()).toBe(200);
    }
    // Another of its tasks, which a person dragged to done without a report.
    await page.goto(`${base}/tasks/new`);
    await page.getByLabel("Title").fill(unique("Dragged"));
    await page.getByLabel("Assignee").selectOption({ label: `🤖 ${agentName}` });
    await page.getByLabel("Start in").selectOption("assigned");
    await page.getByRole("button", { name: "Create task" }).click();
    const dragged = page.url().split("/").pop()!;
    for (const [id, steps] of [
      [taskId, ["review", "done"]],
      [dragged, ["in_progress", "review", "done"]],
    ] as const) {
      for (const status of steps) {
        await page.goto(base);
        await moveCard(page, id, status);
        await expect(page.locator(`[data-status="${status}"] [data-task-id="${id}"]`)).toBeVisible();
      }
    }

    await page.goto(`${base}/analytics?days=7`);
    await expect(page.getByTestId("completion-sentence")).toHaveText(
      "In the last 7 days agents finished 1 task. People moved 1 more task to done without an agent reporting it complete (Ada Admin 1); those count for no agent.",
    );
    await expect(page.getByTestId("completed-chart").locator(`rect.chart-bar[data-label="${agentName}"]`)).toHaveAttribute("data-value", "1");
    await expect(page.getByTestId("completed-chart")).toContainText("1 more moved to done by people");
    const row = page.getByTestId("delivery-table").locator(`tr[data-agent="${agentName}"]`);
    await expect(row.locator("td").nth(0)).toHaveText("1");
    await expect(row.locator("td").nth(1)).toHaveText("1");
    await expect(page.getByTestId("human-table")).toContainText("Human in the loop (approve first)");
    const text = (await page.locator("main").innerText()).toLowerCase();
    for (const internal of ["hitl", "hotl", "p50", "p90"]) expect(text).not.toContain(internal);
  });
});
