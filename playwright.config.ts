import { defineConfig } from "@playwright/test";
import { E2E_CHROMIUM_FLAGS } from "./app/services/orchestration/checks/chromium-flags";

// End-to-end tests drive Debian's Chromium (never a downloaded browser)
// against the built bundle, which tests/e2e/global-setup.ts starts.

export default defineConfig({
  testDir: "tests/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  // One retry; a test that needed it is named as flaky in `npm test`'s summary (decision 059).
  retries: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  // Its own folder: Playwright empties outputDir at start, and the vitest
  // suites running beside it write their reports to test-results/.
  outputDir: "test-results/e2e-artifacts",
  use: {
    browserName: "chromium",
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: E2E_CHROMIUM_FLAGS },
    trace: "off",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "setup", testMatch: /setup\.e2e\.ts/ },
    { name: "app", testMatch: /\.e2e\.ts$/, testIgnore: /setup\.e2e\.ts/, dependencies: ["setup"] },
  ],
});
