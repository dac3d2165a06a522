import { createHmac, randomUUID } from "node:crypto";
import { AUTH_FILE, createWorkspace, expect, server, test, unique } from "./fixtures";

// The workspace settings' GitHub section (decision 053) with JavaScript on
// and off: bad input is refused next to its field, connecting without a
// secret generates one and shows it once, a delivery signed with it makes a
// task on the board, the label map is saved, and disconnecting refuses the
// repository's deliveries from then on.
test.use({ storageState: AUTH_FILE });

const RUNS = [
  { js: true, viewport: { width: 1440, height: 900 } },
  { js: false, viewport: { width: 390, height: 844 } },
];

for (const { js, viewport } of RUNS) {
  test.describe(`JavaScript ${js ? "on" : "off"} at ${viewport.width} px`, () => {
    test.use({ javaScriptEnabled: js, viewport });

    test("connect a repository, take a signed issue, change the label map, disconnect", async ({ page }) => {
      const base = await createWorkspace(page, unique("GitHub"));
      const repository = `acme/e2e-${randomUUID().slice(0, 8)}`;
      await page.goto(`${base}/settings`);
      const section = page.locator("#github");
      await expect(section.getByRole("heading", { name: "GitHub issues" })).toBeVisible();
      await expect(section.getByTestId("github-facts")).toContainText("/api/webhooks/github");
      await expect(section.getByTestId("github-facts")).toContainText("Not connected.");

      const form = () => page.getByTestId("github-form");
      await form().getByLabel("Repository (owner/repo)").fill("not a repository");
      await form().getByLabel("Labels to task types, one a line").fill("bug");
      await form().getByLabel("GitHub token for comments").fill("github_pat_e2e_token_abcd");
      await form().getByRole("button", { name: "Connect to GitHub" }).click();
      await expect(form().getByText("Give the repository as owner/repo, e.g. acme/widgets")).toBeVisible();
      await expect(form().getByText(/Write each line as label = task type key/)).toBeVisible();
      await expect(form().getByLabel("Repository (owner/repo)")).toHaveAttribute("aria-invalid", "true");
      // The server never writes the typed token back into the page (with JavaScript the field just keeps what was typed).
      if (!js) await expect(form().getByLabel("GitHub token for comments")).toHaveValue("");

      await form().getByLabel("Repository (owner/repo)").fill(repository);
      await form().getByLabel("Labels to task types, one a line").fill("bug = research");
      await form().getByLabel("GitHub token for comments").fill("github_pat_e2e_token_abcd");
      await form().getByRole("button", { name: "Connect to GitHub" }).click();
      const reveal = page.getByTestId("github-secret");
      await expect(reveal).toContainText(`Webhook secret for ${repository}`);
      const secret = (await reveal.locator("code").textContent())!.trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

      // A delivery signed with that secret makes a task.
      const title = unique("Issue from GitHub");
      const body = JSON.stringify({
        action: "opened",
        issue: {
          number: 7,
          title,
          body: "Found in the wild.",
          state: "open",
          html_url: `https://github.com/${repository}/issues/7`,
          updated_at: new Date().toISOString(),
          labels: [{ name: "bug" }],
        },
        repository: { full_name: repository },
      });
      const delivered = await fetch(`${server().url}/api/webhooks/github`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        },
      });
      expect(delivered.status).toBe(201);
      await page.goto(base);
      await expect(page.getByRole("link", { name: title })).toBeVisible();

      // Shown once: the settings page no longer has it.
      await page.goto(`${base}/settings`);
      await expect(page.getByTestId("github-secret")).toHaveCount(0);
      await expect(page.locator("#github")).not.toContainText(secret);
      await expect(section.getByTestId("github-facts")).toContainText(`ends in …${secret.slice(-4)}`);
      await expect(section.getByTestId("github-facts")).toContainText("set, ends in …abcd");

      await form().getByLabel("Labels to task types, one a line").fill("bug = research\nrelease = deploy");
      await form().getByRole("button", { name: "Save GitHub settings" }).click();
      await expect(page.locator("#github").getByTestId("saved-note")).toBeVisible();
      await expect(form().getByLabel("Labels to task types, one a line")).toHaveValue("bug = research\nrelease = deploy");

      await page.locator("#github").getByText("Disconnect from GitHub…").click();
      await page.locator("#github").getByRole("button", { name: "Disconnect", exact: true }).click();
      await expect(page.locator("#github").getByTestId("github-facts")).toContainText("Not connected.");
      const refused = await fetch(`${server().url}/api/webhooks/github`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "issues",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        },
      });
      expect(refused.status).toBe(404);
      await page.screenshot({ path: `test-results/github-${js ? "js" : "nojs"}-${viewport.width}.png`, fullPage: true });
    });
  });
}
