import { cpSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  PLACEHOLDER,
  SERVICE_SCRIPT,
  TAG_PATTERN,
  currentRelease,
  deployEnv,
  ensureCommand,
  freePort,
  health,
  makeClone,
  makeTarget,
  must,
  run,
  servicePid,
  tempDir,
  type RunResult,
  type Target,
} from "./support";

// scripts/deploy.sh and scripts/rollback.sh for real, against a local target
// directory (DEPLOY_HOST empty): a throwaway copy of this repository deploys,
// and tests/deploy/fixtures/service.sh plays systemd (restart = stop the
// running bundle by its pid file, start current/build/server/index.js in the
// background with the shared environment file). The tests run in order and
// share the target, like successive deploys to one server.

let work: string;
let clone: string;
let target: Target;
let prebuilt: string; // build/ made once with the version placeholder

const deploy = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/deploy.sh"), [], { cwd: clone, env: deployEnv(target, extra) });
const rollback = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/rollback.sh"), [], { cwd: clone, env: deployEnv(target, extra) });
const deployPrebuilt = async (): Promise<string> => {
  const result = await deploy({ DEPLOY_SKIP_BUILD: "1" });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return currentRelease(target);
};
const releases = () => readdirSync(path.join(target.dir, "releases")).sort();
const tags = async () => (await must("git", ["tag", "-l", "deploy-*"], { cwd: clone })).split("\n").filter(Boolean).sort();
const useBuild = (from: string) => {
  rmSync(path.join(clone, "build"), { recursive: true, force: true });
  cpSync(from, path.join(clone, "build"), { recursive: true });
};

beforeAll(async () => {
  const rsync = ensureCommand("rsync", "rsync");
  if (!rsync.ok) throw new Error(`the deploy scripts need rsync: ${rsync.reason}`);
  work = tempDir("mc-deploy-");
  clone = await makeClone(work);
  target = makeTarget(work, await freePort());
  // Things that must never reach a release, planted where the deploy copies from.
  const plant = (file: string) => {
    const full = path.join(clone, file);
    cpSync(path.join(clone, "package.json"), full, { force: true, recursive: true });
  };
  for (const dir of ["deploy/node_modules/left-pad", "deploy/data", "deploy/tests", "deploy/.vscode", "deploy/.claude"]) {
    plant(path.join(dir, "junk.json"));
  }
  for (const file of [
    "deploy/.env",
    "deploy/.env.production",
    "deploy/mission-control.db",
    "deploy/.mcp.json",
    "supabase/migrations/.DS_Store",
    "deploy/ecosystem.config.cjs",
  ]) {
    plant(file);
  }
}, 120_000);

afterAll(async () => {
  if (target) await run(SERVICE_SCRIPT, ["stop"], { env: deployEnv(target) });
  if (clone) await run("git", ["worktree", "prune"], { cwd: clone });
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("deploy to a local target", () => {
  let first: string;
  let second: string;

  // The one deploy that builds: a production build on a loaded two-core machine takes its time.
  test("a real build: release, migrations, current, restart, health with the new version, annotated tag", { timeout: 300_000 }, async () => {
    const result = await deploy();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const steps = result.stdout.split("\n").filter((l) => l.startsWith("==> "));
    expect(steps.map((s) => s.split(" ")[1])).toEqual([
      "checking",
      "building",
      "uploading",
      "migrating",
      "switching",
      "restarting",
      "waiting",
      "tagging",
      "pruning",
      "deployed",
    ]);
    expect(result.stdout).not.toContain("vite"); // the build's own output is kept for failures

    first = currentRelease(target);
    expect(first).toMatch(TAG_PATTERN);
    expect(readlinkSync(path.join(target.dir, "current"))).toBe(`releases/${first}`);
    expect(await health(target)).toMatchObject({ status: "ok", version: first });

    // The service runs current/build/server/index.js with the shared env file, from shared/.
    const pid = servicePid(target);
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(argv).toContain(path.join(target.dir, "current/build/server/index.js"));
    expect(argv).toContain(`--env-file=${target.envFile}`);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(path.join(target.dir, "shared"));
    expect(existsSync(path.join(target.dataDir, "pgdata"))).toBe(true);

    expect((await must("git", ["cat-file", "-t", first], { cwd: clone })).trim()).toBe("tag");
    const message = await must("git", ["tag", "-l", "--format=%(contents:subject)", first], { cwd: clone });
    expect(message).toContain(`Deploy ${first}`);
  });

  test("the release holds the bundle, migrations and deploy files, and nothing the excludes list", () => {
    const release = path.join(target.dir, "releases", first);
    expect(readdirSync(release).sort()).toEqual(["build", "deploy", "package.json", "supabase"]);
    expect(existsSync(path.join(release, "build/server/index.js"))).toBe(true);
    expect(existsSync(path.join(release, "build/cli/mc.js"))).toBe(true);
    expect(readdirSync(path.join(release, "supabase/migrations")).every((f) => f.endsWith(".sql"))).toBe(true);
    expect(readdirSync(path.join(release, "supabase/sql")).every((f) => f.endsWith(".sql"))).toBe(true);
    expect(existsSync(path.join(release, "deploy/mission-control.service"))).toBe(true);
    expect(existsSync(path.join(release, "deploy/env.example"))).toBe(true);
    for (const banned of [
      "node_modules",
      "data",
      "tests",
      ".vscode",
      ".claude",
      ".env",
      ".env.production",
      "mission-control.db",
      ".mcp.json",
      "ecosystem.config.cjs",
    ]) {
      expect(existsSync(path.join(release, "deploy", banned)), banned).toBe(false);
    }
    expect(existsSync(path.join(release, "supabase/migrations/.DS_Store"))).toBe(false);
    for (const source of ["app", "server", "scripts", "tests", "node_modules", ".git"]) {
      expect(existsSync(path.join(release, source)), source).toBe(false);
    }
    // The environment file was never touched.
    expect(readFileSync(target.envFile, "utf8")).toContain("# written by the deploy tests");
  });

  test("a second deploy from a prebuilt bundle (DEPLOY_SKIP_BUILD=1) keeps the data and reports its own version", async () => {
    // The suite's bundle, built once with the version placeholder (global-setup.ts).
    prebuilt = inject("deployPrebuilt");
    useBuild(prebuilt);

    const result = await deploy({ DEPLOY_SKIP_BUILD: "1" });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("stopping the service (embedded database");
    expect(result.stdout).toMatch(/"applied":\[\]/); // the schema was already there
    second = currentRelease(target);
    expect(second > first).toBe(true);
    expect(await health(target)).toMatchObject({ version: second });
    expect(releases()).toEqual([first, second]);
    expect(await tags()).toEqual([first, second]);
    // The placeholder was replaced in the release, not in the local build.
    expect(readFileSync(path.join(target.dir, "releases", second, "build/server/index.js"), "utf8")).not.toContain(PLACEHOLDER);
    expect(readFileSync(path.join(clone, "build/server/index.js"), "utf8")).toContain(PLACEHOLDER);
  });

  test("rollback.sh returns to the previous deploy's kept release", async () => {
    const result = await rollback();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`using the kept release releases/${first}`);
    expect(currentRelease(target)).toBe(first);
    expect(await health(target)).toMatchObject({ version: first });
  });

  test("a release whose server does not come up is rolled back automatically and the deploy fails", async () => {
    // Migrations work, serving does not: the server exits at start.
    const broken = path.join(work, "broken");
    cpSync(prebuilt, broken, { recursive: true });
    const entry = path.join(broken, "server/index.js");
    const exitUnlessMigrating = 'if (process.argv[2] !== "migrate") { console.error("this release cannot serve"); process.exit(3); }\n';
    writeFileSync(entry, exitUnlessMigrating + readFileSync(entry, "utf8"));
    useBuild(broken);
    const tagsBefore = await tags();
    const started = Date.now();
    const result = await deploy({ DEPLOY_SKIP_BUILD: "1", DEPLOY_HEALTH_TIMEOUT: "6" });
    useBuild(prebuilt);

    expect(result.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.stdout).toContain(`rolling back to ${first}`);
    expect(result.stderr).toMatch(/failed its health check; rolled back to deploy-/);
    expect(currentRelease(target)).toBe(first);
    expect(await health(target)).toMatchObject({ version: first });
    expect(await tags()).toEqual(tagsBefore); // no tag for a failed deploy
    expect(releases()).toEqual([first, second]); // the failed release was removed
  });

  test("a deploy stops at the first error: a missing environment file leaves everything as it was", async () => {
    const result = await deploy({ DEPLOY_SKIP_BUILD: "1", DEPLOY_ENV_FILE: path.join(target.dir, "shared/missing.env") });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("missing.env is missing on the target");
    expect(result.stdout.trim().split("\n")).toHaveLength(1); // only the first step ran
    expect(currentRelease(target)).toBe(first);
    expect(releases()).toEqual([first, second]);
  });

  test("four more deploys keep exactly the last 3 releases and 3 deploy tags", async () => {
    const deployed: string[] = [];
    for (let i = 0; i < 4; i++) deployed.push(await deployPrebuilt());
    const kept = deployed.slice(-3);
    expect(releases()).toEqual(kept);
    expect(await tags()).toEqual(kept);
    expect(currentRelease(target)).toBe(deployed[3]);
    expect(await health(target)).toMatchObject({ version: deployed[3] });
  });

  test("rollback.sh rebuilds the previous deploy from its tag when its release is gone", async () => {
    const [, previous, current] = releases();
    rmSync(path.join(target.dir, "releases", previous!), { recursive: true });
    const result = await rollback();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`releases/${previous} is gone: checking out tag ${previous}`);
    expect(result.stdout).toContain(`building ${previous}`);
    expect(currentRelease(target)).toBe(previous);
    expect(await health(target)).toMatchObject({ version: previous });
    expect(releases()).toContain(current);
    // The temporary worktree is gone again.
    const worktrees = await must("git", ["worktree", "list", "--porcelain"], { cwd: clone });
    expect(worktrees.match(/^worktree /gm)).toHaveLength(1);
  });
});
