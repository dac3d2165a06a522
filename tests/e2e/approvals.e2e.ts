import type { Page } from "@playwright/test";
import { AUTH_FILE, expect, server, test, unique } from "./fixtures";

// An agent asks for approval over its API; an approver decides in the inbox,
// with and without JavaScript; the agent's poll sees the decision.
async function agentAsks(page: Page, jsOff: boolean) {
  await page.goto("/");
  const name = unique(jsOff ? "Approvals NoJS" : "Approvals");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const base = new URL(page.url()).pathname;
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill("Requester");
  await page.getByRole("button", { name: "Create agent" }).click();
  const token = (await page.getByTestId("agent-token").innerText()).trim();
  await page.goto(`${base}/tasks/new`);
  const title = unique("Risky change");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Assignee").selectOption({ label: "🤖 Requester" });
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const taskId = page.url().split("/").pop()!;
  const ask = async (args: Record<string, unknown>) => {
    const res = await page.request.post(`${server().url}/api/agent/approvals`, {
      headers: { authorization: `Bearer ${token}` },
      data: { task_id: taskId, action: "deploy", args, target: "web-1", reason: "release 1.2" },
    });
    expect([200, 201]).toContain(res.status());
    return (await res.json()) as { id: string; status: string };
  };
  const approval = await ask({ env: "prod" });
  const poll = async (id = approval.id) =>
    (
      (await (await page.request.get(`${server().url}/api/agent/approvals/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        status: string;
      }
    ).status;
  return { base, taskId, approvalId: approval.id, poll, ask };
}

test.describe("with JavaScript", () => {
  test.use({ storageState: AUTH_FILE });

  test("approve from the inbox; the lane and the count clear", async ({ page }) => {
    const { base, taskId, approvalId, poll } = await agentAsks(page, false);
    await page.goto(base);
    await expect(page.locator(`[data-needs-you="${taskId}"]`)).toContainText("1 approval waiting");
    await expect(page.getByTestId("pending-approvals")).toBeVisible();
    await page.locator(".approvals-link").click();
    const card = page.locator(`[data-approval-id="${approvalId}"]`);
    await expect(card).toContainText("deploy");
    await expect(card.getByLabel("Exactly what will happen").locator(".arg", { hasText: "env" })).toContainText("prod");
    await card.getByLabel("Comment").fill("ship it");
    await card.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(card).toHaveCount(0);
    expect(await poll()).toBe("approved");
    await page.goto(base);
    await expect(page.locator(`[data-needs-you="${taskId}"]`)).toHaveCount(0);
  });

  test("the inbox and the nav count update live; approve & allow lets the next request through", async ({ page }) => {
    const { base, poll, ask } = await agentAsks(page, false);
    await page.goto("/approvals");
    await expect(page.locator("[data-connection]")).toHaveAttribute("data-connection", "live");
    const before = Number(await page.getByTestId("pending-approvals").innerText());
    // A request made while the page is open appears without a reload.
    const second = await ask({ env: "canary" });
    const card = page.locator(`[data-approval-id="${second.id}"]`);
    await expect(card.getByLabel("Exactly what will happen").locator(".arg", { hasText: "env" })).toContainText("canary");
    await expect(card).toContainText("low risk");
    await expect(page.getByTestId("pending-approvals")).toHaveText(String(before + 1));
    await card.getByRole("button", { name: "Approve & allow for this task" }).click();
    await expect(card).toHaveCount(0);
    expect(await poll(second.id)).toBe("approved");
    // Same action, same task, new arguments: allowed by the grant, no new card.
    const third = await ask({ env: "eu" });
    expect(third.status).toBe("approved");
    await page.goto(`${base}`);
    await expect(page.getByTestId("pending-approvals")).toHaveText(String(before));
  });
});

test.describe("without JavaScript", () => {
  test.use({ storageState: AUTH_FILE, javaScriptEnabled: false });

  test("deny with a plain form post", async ({ page }) => {
    const { approvalId, poll } = await agentAsks(page, true);
    await page.goto("/approvals");
    const card = page.locator(`[data-approval-id="${approvalId}"]`);
    await card.getByRole("button", { name: "Deny" }).click();
    await expect(page.locator(`[data-approval-id="${approvalId}"]`)).toHaveCount(0);
    expect(await poll()).toBe("denied");
    await page.goto("/approvals?show=decided");
    await expect(page.locator(`[data-approval-id="${approvalId}"]`)).toContainText("denied");
  });
});
