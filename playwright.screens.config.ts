import { defineConfig } from "@playwright/test";
import { E2E_CHROMIUM_FLAGS } from "./app/services/orchestration/checks/chromium-flags";

// `npm run screens`: the built bundle (build it first) on a fresh embedded
// database, a seeded workspace, and a PNG of every page at 1440 and 390 px in
// docs/screens/. Not part of `npm test`.

export default defineConfig({
  testDir: ".",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results/screens-artifacts",
  use: {
    browserName: "chromium",
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: E2E_CHROMIUM_FLAGS },
    trace: "off",
    deviceScaleFactor: 1,
  },
  projects: [
    { name: "setup", testMatch: /tests\/e2e\/setup\.e2e\.ts/ },
    { name: "screens", testMatch: /scripts\/screens\/screens\.spec\.ts/, dependencies: ["setup"] },
  ],
});
