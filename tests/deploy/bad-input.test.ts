import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  SERVICE_SCRIPT,
  currentRelease,
  deployEnv,
  freePort,
  health,
  makeClone,
  makeTarget,
  run,
  tempDir,
  useBuild,
  type RunResult,
  type Target,
} from "./support";

// Deploys and rollbacks that must stop with a clear message and leave the
// running release as it was: a full disk on the target (a small tmpfs, when
// this runs as root and may mount one), a rollback with no previous release,
// a lock left by an interrupted deploy. (An unreachable host and two deploys
// at once: ssh.test.ts; a damaged backup: backup.test.ts.)

let work: string;
let clone: string;
let target: Target;
let mounted = false;

const deploy = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/deploy.sh"), [], { cwd: clone, env: deployEnv(target, { DEPLOY_SKIP_BUILD: "1", DEPLOY_MIN_FREE_MB: "16", ...extra }) });
const rollback = (): Promise<RunResult> => run(path.join(clone, "scripts/rollback.sh"), [], { cwd: clone, env: deployEnv(target) });
const releases = () => readdirSync(path.join(target.dir, "releases")).sort();

beforeAll(async () => {
  work = tempDir("mc-deploy-bad-");
  clone = await makeClone(work);
  useBuild(clone, inject("deployPrebuilt"));
  // The whole target on a 160 MB file system: the release (about 25 MB), the embedded database (about 50 MB) and room to fill.
  const dir = path.join(work, "target");
  mkdirSync(dir);
  if (process.getuid?.() === 0) mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=160m,mode=0755", "tmpfs", dir]).status === 0;
  target = makeTarget(work, await freePort());
}, 60_000);

afterAll(async () => {
  if (target) await run(SERVICE_SCRIPT, ["stop"], { env: deployEnv(target) });
  if (mounted) spawnSync("umount", [path.join(work, "target")]);
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("bad input stops with a clear message and leaves the running release alone", () => {
  let first: string;

  test("nothing deployed yet: rollback has nothing to roll back", async () => {
    const result = await rollback();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("current does not exist: nothing to roll back");
    expect(existsSync(path.join(target.dir, "deploy.lock"))).toBe(false);
  });

  test("one release only: rollback refuses, naming the release, and changes nothing", async () => {
    const result = await deploy();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    first = currentRelease(target);
    const back = await rollback();
    expect(back.code).not.toBe(0);
    expect(back.stderr).toContain(`no deploy older than ${first}`);
    expect(currentRelease(target)).toBe(first);
    expect(await health(target)).toMatchObject({ version: first });
  });

  test("a lock left by an interrupted deploy: the next one stops and says which file to remove", async () => {
    mkdirSync(path.join(target.dir, "deploy.lock"));
    writeFileSync(path.join(target.dir, "deploy.lock", "owner"), "deploy by someone@elsewhere pid 1 since 2026-01-01T00:00:00Z\n");
    const result = await deploy();
    rmSync(path.join(target.dir, "deploy.lock"), { recursive: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("(deploy by someone@elsewhere pid 1 since 2026-01-01T00:00:00Z); nothing was changed");
    expect(result.stderr).toContain(`remove ${target.dir}/deploy.lock and try again`);
    expect(releases()).toEqual([first]);
    expect(await health(target)).toMatchObject({ version: first });
  });

  test("a full disk on the target: refused before copying, current and the service untouched", async (ctx) => {
    if (!mounted) ctx.skip("mounting a small tmpfs needs root; the free-space check is the same code either way");
    // Fill the file system until 8 MB are left.
    const filler = path.join(target.dir, "filler");
    const free = Number(spawnSync("df", ["-Pk", target.dir], { encoding: "utf8" }).stdout.split("\n")[1]!.split(/\s+/)[3]);
    expect(spawnSync("fallocate", ["-l", `${Math.max(0, free - 8 * 1024)}k`, filler]).status).toBe(0);
    const result = await deploy({ DEPLOY_MIN_FREE_MB: "0" });
    rmSync(filler);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/error: not enough free space on the target: \d+ MB free in \S+\/releases, the release needs \d+ MB .*nothing was changed/);
    expect(currentRelease(target)).toBe(first);
    expect(releases()).toEqual([first]);
    expect(await health(target)).toMatchObject({ version: first });
    expect(existsSync(path.join(target.dir, "deploy.lock"))).toBe(false);
  });
});
