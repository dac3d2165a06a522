import { AUTH_FILE, expect, test, unique } from "./fixtures";

// The gateways admin page (decision 052) with JavaScript on and off: a URL
// that is not ws:// or wss:// is refused beside its field, a gateway
// registered at an address where nothing runs shows as disconnected (here and
// in health), its token never comes back, and it can be removed.
test.use({ storageState: AUTH_FILE });

for (const js of [true, false]) {
  test.describe(`JavaScript ${js ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled: js });

    test("registers a gateway that shows as down, refuses a bad URL, never shows the token, and removes it", async ({ page }) => {
      const name = unique("Lab gateway");
      const token = unique("secret-gateway-token");
      // Reached from the heartbeat page, where the header's gateway status leads.
      await page.goto("/heartbeat");
      await page.getByTestId("manage-gateways").click();
      await expect(page).toHaveURL(/\/admin\/gateways$/);
      await expect(page.getByRole("heading", { name: "Gateways", level: 1 })).toBeVisible();
      await expect(page.getByRole("heading", { name: "Default gateway" })).toBeVisible();

      const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Register gateway" }) });
      await form.getByLabel("Name").fill(name);
      await form.getByLabel("URL").fill("http://127.0.0.1:9");
      await form.getByLabel("Token").fill(token);
      await form.getByRole("button", { name: "Register gateway" }).click();
      await expect(page.getByText("Use a ws:// or wss:// URL", { exact: true })).toBeVisible();
      const refused = page.locator("form").filter({ has: page.getByRole("button", { name: "Register gateway" }) });
      await expect(refused.getByLabel("URL")).toHaveAttribute("aria-invalid", "true");
      await expect(refused.getByLabel("Name")).toHaveValue(name);
      // The server never sends the token back (with JavaScript on, the field simply keeps what was typed).
      if (!js) await expect(refused.getByLabel("Token")).toHaveValue("");
      expect(await page.content()).not.toContain(token);

      await refused.getByLabel("URL").fill("ws://127.0.0.1:9");
      await refused.getByLabel("Token").fill(token);
      await refused.getByRole("button", { name: "Register gateway" }).click();
      const item = page.locator(`li[data-gateway="${name}"]`);
      await expect(item.getByRole("heading", { name })).toBeVisible();
      await expect(item.getByTestId("gateway-status")).toContainText("disconnected");
      expect(await page.content()).not.toContain(token);

      const health = (await (await page.request.get("/api/health")).json()) as { gateways: Array<{ name: string; status: string }> };
      expect(health.gateways).toContainEqual(expect.objectContaining({ name, status: "disconnected" }));

      await item.getByText("Remove…").click();
      await item.getByRole("button", { name: `Remove ${name}` }).click();
      await expect(page.getByRole("heading", { name })).toHaveCount(0);
    });
  });
}
