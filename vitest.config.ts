import { defineConfig } from "vitest/config";

// Standalone (not vite.config.ts): the React Router plugin is not needed to test
// domain code and the data layer. Unit tests never touch a database; integration
// tests share migrated templates built once by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["app/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/support/fail-on-console-error.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/fail-on-console-error.ts"],
          // PGlite boots a wasm PostgreSQL per file; PostgreSQL clones a template.
          // Every file opens its own databases and servers and restores what it
          // changes in the environment, so the files share one module cache
          // instead of loading the app's modules again for each file.
          isolate: false,
          // One retry, and a test that needed it is named as flaky in the summary (decision 059).
          retry: 1,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "gateway",
          // Contract tests against the real OpenClaw gateway (installed once into
          // a cache outside the repo) with a stub model. One gateway serves the
          // whole run, so files run one at a time: one of them restarts it.
          include: ["tests/gateway/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/openclaw/global-setup.ts"],
          setupFiles: ["tests/support/fail-on-console-error.ts"],
          fileParallelism: false,
          retry: 1,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "deploy",
          // scripts/deploy.sh and rollback.sh against local targets and a real SSH
          // server: real server processes, each file on its own free ports, temporary
          // directories and databases, so two files run at a time (mostly waiting
          // on server starts and health checks).
          include: ["tests/deploy/**/*.test.ts"],
          environment: "node",
          // One prebuilt bundle for every file (tests/deploy/global-setup.ts).
          globalSetup: ["tests/deploy/global-setup.ts"],
          setupFiles: ["tests/support/fail-on-console-error.ts"],
          maxWorkers: 2,
          // No retry: a file's tests build on each other (one deploy, then the next), and a
          // retried deploy would race what its timed-out first attempt left running.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
