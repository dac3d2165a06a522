import type { Page } from "@playwright/test";
import { AUTH_FILE, createWorkspace, expect, renameInAnotherTab, test, unique } from "./fixtures";

// An agent's token is shown once, in the answer to the create or re-issue
// form. With JavaScript the page also follows live updates, which revalidate
// it: the token, a refusal's message and whatever is being typed must outlive
// that, or an operator cannot connect an agent.

test.use({ storageState: AUTH_FILE });

const TOKEN = /^mca_[A-Za-z0-9_-]{43}$/;

async function createAgent(page: Page, base: string, name: string): Promise<string> {
  await page.goto(`${base}/agents`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByTestId("agent-token")).toHaveText(TOKEN);
  return page.getByTestId("agent-token").innerText();
}

test.describe("with JavaScript", () => {
  test("the new agent's token and the next agent being typed outlive live updates; Copy copies the token", async ({ page, context, baseURL }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    const base = await createWorkspace(page, unique("Tokens"));
    await page.goto(`${base}/agents`);
    await expect(page.locator(".conn")).toHaveText("Live");

    // Typing, before anything was submitted: a live update leaves the form alone.
    await page.getByLabel("Name").fill("Scout");
    await page.getByLabel("Role").fill("Researcher");
    await renameInAnotherTab(page, base, unique("Renamed"));
    await expect(page.getByLabel("Name")).toHaveValue("Scout");
    await expect(page.getByLabel("Role")).toHaveValue("Researcher");

    await page.getByRole("button", { name: "Create agent" }).click();
    const token = page.getByTestId("agent-token");
    await expect(token).toHaveText(TOKEN);
    const issued = await token.innerText();
    await expect(page.getByRole("link", { name: "Scout" })).toBeVisible();
    // The form starts over for the next agent, who is half typed when the next event comes.
    await expect(page.getByLabel("Name")).toHaveValue("");
    await page.getByLabel("Name").fill("Half typed");
    await page.getByLabel("Model").fill("provider/model");

    // Another tab adds an agent: this page lists it, so it was revalidated.
    const other = await context.newPage();
    const otherName = unique("Other");
    await createAgent(other, base, otherName);
    await other.close();
    await expect(page.getByRole("link", { name: otherName })).toBeVisible();

    await expect(token).toHaveText(issued);
    await expect(page.getByLabel("Name")).toHaveValue("Half typed");
    await expect(page.getByLabel("Model")).toHaveValue("provider/model");

    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(issued);

    // Any navigation forgets it, even one within this page, and Back does not bring it back.
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Costs" }).click();
    await expect(page).toHaveURL(/\/costs$/);
    await expect(token).toHaveCount(0);
    await page.goBack();
    await expect(page.getByRole("link", { name: otherName })).toBeVisible();
    await expect(token).toHaveCount(0);
  });

  test("a refused create keeps its message and what was typed through live updates", async ({ page }) => {
    const base = await createWorkspace(page, unique("Refused"));
    await page.goto(`${base}/agents`);
    await expect(page.locator(".conn")).toHaveText("Live");
    await page.getByLabel("Name").fill("Gatekeeper");
    await page.getByLabel("OpenClaw agent id").fill("not an id!");
    await page.getByRole("button", { name: "Create agent" }).click();
    const refusal = page.getByText("Letters, digits, dot, dash, underscore");
    await expect(refusal).toBeVisible();

    await renameInAnotherTab(page, base, unique("Renamed"));
    await expect(refusal).toBeVisible();
    await expect(page.getByLabel("Name")).toHaveValue("Gatekeeper");
    await expect(page.getByLabel("OpenClaw agent id")).toHaveValue("not an id!");
    await expect(page.getByLabel("OpenClaw agent id")).toHaveAttribute("aria-invalid", "true");
  });

  test("a re-issued token and a half-typed edit outlive live updates on the agent's page", async ({ page, context, baseURL }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    const base = await createWorkspace(page, unique("Reissue"));
    const first = await createAgent(page, base, "Builder");
    await page.getByRole("link", { name: "Builder" }).click();
    await expect(page.getByRole("heading", { name: "Builder" })).toBeVisible();
    await expect(page.locator(".conn")).toHaveText("Live");

    await page.getByText("Issue a new token…").click();
    await page.getByRole("button", { name: "Issue a new token", exact: true }).click();
    const token = page.getByTestId("agent-token");
    await expect(token).toHaveText(TOKEN);
    const issued = await token.innerText();
    expect(issued).not.toBe(first);
    await expect(page.getByText(`${issued.slice(0, 8)}…`)).toBeVisible();
    await page.getByLabel("Role").fill("Half-typed role");

    await renameInAnotherTab(page, base, unique("Renamed"));
    await expect(token).toHaveText(issued);
    await expect(page.getByLabel("Role")).toHaveValue("Half-typed role");

    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(issued);

    // Leaving the page forgets the token: it is shown once.
    await page.getByRole("link", { name: "← Agents" }).click();
    await page.getByRole("link", { name: "Builder" }).click();
    await expect(page.getByRole("heading", { name: "Builder" })).toBeVisible();
    await expect(token).toHaveCount(0);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("create and re-issue show the token as selectable text, with no Copy button", async ({ page }) => {
    const base = await createWorkspace(page, unique("Tokens NoJS"));
    const first = await createAgent(page, base, "Builder");
    const token = page.getByTestId("agent-token");
    await expect(token).toHaveCSS("user-select", "all");
    await expect(page.getByRole("button", { name: "Copy" })).toHaveCount(0);

    await page.getByRole("link", { name: "Builder" }).click();
    await page.getByText("Issue a new token…").click();
    await page.getByRole("button", { name: "Issue a new token", exact: true }).click();
    await expect(token).toHaveText(TOKEN);
    const issued = await token.innerText();
    expect(issued).not.toBe(first);
    await expect(page.getByText(`${issued.slice(0, 8)}…`)).toBeVisible();
    await expect(page.getByRole("button", { name: "Copy" })).toHaveCount(0);

    // A plain visit (not the form's answer) never shows it again.
    await page.goto(page.url());
    await expect(token).toHaveCount(0);
  });
});
