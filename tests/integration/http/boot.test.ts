import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#tests/support/server";

// Start-up refusals: a bad configuration stops the server with a readable
// message and exit code 78 (EX_CONFIG), before anything listens or is written.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "mc-boot-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function boot(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "build/server/index.js")], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: "0", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("configuration at boot", () => {
  it("names every invalid variable", () => {
    const result = boot({ PORT: "eighty", DATABASE_URL: "mysql://nope", SESSION_SECRET: "short" });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain("Invalid configuration:");
    expect(result.stderr).toMatch(/PORT: /);
    expect(result.stderr).toContain("DATABASE_URL: must be a postgres:// connection string");
    expect(result.stderr).toContain("SESSION_SECRET: must be at least 32 characters");
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("refuses to listen on every interface unless allowed", () => {
    const result = boot({ HOST: "0.0.0.0" });
    expect(result.status).toBe(78);
    expect(result.stdout).toContain("Refusing to listen on every interface");
  });

  it("refuses production start without secrets from the environment or an earlier start", () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), "mc-boot-prod-"));
    try {
      const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "build/server/index.js")], {
        env: { PATH: process.env.PATH, DATA_DIR: fresh, PORT: "0", NODE_ENV: "production" },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("MC_API_TOKEN is not set");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
