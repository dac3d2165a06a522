import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { until } from "../support/until";
import {
  REPO_ROOT,
  SERVICE_SCRIPT,
  breakServer,
  currentRelease,
  deployEnv,
  ensureCommand,
  freePort,
  health,
  makeClone,
  makeTarget,
  must,
  run,
  spawnUntil,
  tempDir,
  useBuild,
  type RunResult,
  type Target,
} from "./support";

// scripts/deploy.sh over the real SSH path: Debian's OpenSSH server on a
// loopback port, run as a child of this test with its own configuration, a
// host key made here and pinned in a known_hosts file, a client key made here.
// The deploy reaches it exactly as it reaches a VPS (rsync over ssh, every
// remote command through ssh), with the inputs the GitHub workflow passes.
// The remote service manager is a stand-in `systemctl` on the SSH session's
// PATH that drives tests/deploy/fixtures/service.sh.

let work: string;
let clone: string;
let origin: string;
let target: Target;
let sshd: ChildProcess | undefined;
let sshPort: number;
let keyFile: string;
let knownHosts: string;
let prebuilt: string;
const user = os.userInfo().username;

/** The workflow's inputs (deploy.yml's Deploy step) plus what only this stand-in VPS needs. */
function sshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return deployEnv(target, {
    // As in .github/workflows/deploy.yml:
    DEPLOY_HOST: `${user}@127.0.0.1`,
    DEPLOY_PATH: target.dir,
    DEPLOY_HEALTH_URL: target.healthUrl,
    DEPLOY_PUSH_TAGS: "1",
    DEPLOY_SSH_PORT: String(sshPort),
    DEPLOY_SSH_KEY_FILE: keyFile,
    DEPLOY_KNOWN_HOSTS_FILE: knownHosts,
    // This host has no sudo and no mission-control user; `systemctl` is the stand-in.
    DEPLOY_RESTART_CMD: "systemctl restart mission-control",
    DEPLOY_STOP_CMD: "systemctl stop mission-control",
    DEPLOY_RUN_AS: "",
    // One build for the suite (CI builds in the job itself).
    DEPLOY_SKIP_BUILD: "1",
    DEPLOY_KEEP: "2",
    ...extra,
  });
}
const deploy = (extra: Record<string, string> = {}): Promise<RunResult> => run(path.join(clone, "scripts/deploy.sh"), [], { cwd: clone, env: sshEnv(extra) });
const rollback = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/rollback.sh"), [], { cwd: clone, env: sshEnv(extra) });
const releases = () => readdirSync(path.join(target.dir, "releases")).sort();
const tagsIn = async (repo: string) => (await must("git", ["tag", "-l", "deploy-*"], { cwd: repo })).split("\n").filter(Boolean).sort();

beforeAll(async () => {
  for (const [command, pkg] of [
    ["rsync", "rsync"],
    ["ssh", "openssh-client"],
    ["/usr/sbin/sshd", "openssh-server"],
  ] as const) {
    const found = ensureCommand(command, pkg);
    if (!found.ok) throw new Error(`the SSH deploy test needs ${command}: ${found.reason}`);
  }
  prebuilt = inject("deployPrebuilt");
  work = tempDir("mc-deploy-ssh-");
  clone = await makeClone(work);
  useBuild(clone, prebuilt);
  origin = path.join(work, "origin.git");
  await must("git", ["init", "-q", "--bare", origin]);
  await must("git", ["remote", "add", "origin", origin], { cwd: clone });
  target = makeTarget(work, await freePort());

  // Keys: the server's host key (pinned below) and the deploy key.
  const ssh = path.join(work, "ssh");
  mkdirSync(ssh, { mode: 0o700 });
  const hostKey = path.join(ssh, "host_ed25519");
  keyFile = path.join(ssh, "deploy_ed25519");
  await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", hostKey]);
  await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-deploy", "-f", keyFile]);
  writeFileSync(path.join(ssh, "authorized_keys"), readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  sshPort = await freePort();
  knownHosts = path.join(ssh, "known_hosts");
  const [type, key] = readFileSync(`${hostKey}.pub`, "utf8").split(" ");
  writeFileSync(knownHosts, `[127.0.0.1]:${sshPort} ${type} ${key}\n`);

  // The stand-in service manager, first on the SSH session's PATH.
  const shim = path.join(work, "remote-bin");
  mkdirSync(shim);
  writeFileSync(
    path.join(shim, "systemctl"),
    [
      "#!/usr/bin/env bash",
      "# systemctl restart|stop mission-control, as the unit would run it (tests/deploy/fixtures/service.sh).",
      'if [[ "${2:-}" != mission-control ]]; then echo "systemctl stand-in: unknown unit ${2:-}" >&2; exit 5; fi',
      `exec env DEPLOY_PATH=${target.dir} DEPLOY_NODE=${process.execPath} ${SERVICE_SCRIPT} "$1"`,
      "",
    ].join("\n"),
  );
  chmodSync(path.join(shim, "systemctl"), 0o755);

  const config = path.join(ssh, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${sshPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${path.join(ssh, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(ssh, "authorized_keys")}`,
      `AllowUsers ${user}`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      // The key files are in a temporary directory, not a home directory.
      "StrictModes no",
      `SetEnv PATH=${shim}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true }); // its privilege separation directory, as the package's service makes it
  sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let sshdLog = "";
  sshd.stderr!.setEncoding("utf8").on("data", (c: string) => (sshdLog += c));
  const login = [
    "-p",
    String(sshPort),
    "-i",
    keyFile,
    "-o",
    "BatchMode=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    `${user}@127.0.0.1`,
    "command -v systemctl",
  ];
  await until("sshd to accept the deploy key", async () => (await run("ssh", login)).code === 0).catch((error: Error) => {
    throw new Error(`${error.message}: ${sshdLog}`);
  });
  expect((await run("ssh", login)).stdout.trim()).toBe(path.join(shim, "systemctl"));
}, 120_000);

afterAll(async () => {
  if (target) await run(SERVICE_SCRIPT, ["stop"], { env: deployEnv(target) });
  sshd?.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("deploy over SSH to a real OpenSSH server", () => {
  let first: string;
  let second: string;

  test("deploys with the workflow's inputs: rsync over ssh, migrate, switch, restart, health, tag pushed", async () => {
    const result = await deploy();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`==> checking the target ${user}@127.0.0.1:${target.dir}`);
    expect(result.stdout).toContain(`==> pushing`);
    first = currentRelease(target);
    expect(await health(target)).toMatchObject({ status: "ok", version: first });
    expect(await tagsIn(origin)).toEqual([first]);
    expect(existsSync(path.join(target.dir, "deploy.lock"))).toBe(false);
  });

  test("a release that fails its health check is rolled back over SSH, and the next good one is kept", async () => {
    const good = path.join(work, "good-build");
    (await import("node:fs")).cpSync(path.join(clone, "build"), good, { recursive: true });
    breakServer(clone);
    const failed = await deploy({ DEPLOY_HEALTH_TIMEOUT: "5" });
    useBuild(clone, good);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(new RegExp(`failed its health check; rolled back to ${first}`));
    expect(currentRelease(target)).toBe(first);
    expect(await health(target)).toMatchObject({ version: first });
    expect(releases()).toEqual([first]);

    const ok = await deploy();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    second = currentRelease(target);
    expect(releases()).toEqual([first, second]);
  });

  test("two deploys at once: the second stops at the lock with a clear message; the first completes and prunes here and on the remote; rollback.sh over SSH", async () => {
    const one = spawnUntil(path.join(clone, "scripts/deploy.sh"), [], { cwd: clone, env: sshEnv() }, "==> uploading");
    await one.reached;
    const two = await deploy();
    expect(two.code).not.toBe(0);
    expect(two.stderr).toMatch(/another deploy or rollback is running on .* \(deploy by .* pid \d+ since .*\); nothing was changed/);
    const done = await one.done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const latest = currentRelease(target);
    expect(await health(target)).toMatchObject({ version: latest });
    expect(existsSync(path.join(target.dir, "deploy.lock"))).toBe(false);
    // DEPLOY_KEEP=2: the first release and its tag are gone, here and on the remote.
    expect(releases()).toEqual([second, latest]);
    expect(await tagsIn(clone)).toEqual([second, latest]);
    expect(await tagsIn(origin)).toEqual([second, latest]);

    const back = await rollback();
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(currentRelease(target)).toBe(second);
    expect(await health(target)).toMatchObject({ version: second });
  });

  test("an unreachable host or a host key that does not match: a clear message, nothing changed", async () => {
    const before = currentRelease(target);
    const kept = releases();
    const closed = await deploy({ DEPLOY_SSH_PORT: String(await freePort()) });
    expect(closed.code).not.toBe(0);
    expect(closed.stderr).toMatch(/error: cannot reach .*127\.0\.0\.1 over SSH \(port \d+\): .*Connection refused.*Nothing was changed/);

    const otherKey = path.join(work, "ssh", "other_known_hosts");
    const [type, key] = readFileSync(`${keyFile}.pub`, "utf8").split(" ");
    writeFileSync(otherKey, `[127.0.0.1]:${sshPort} ${type} ${key}\n`); // some other key for this host
    const spoofed = await deploy({ DEPLOY_KNOWN_HOSTS_FILE: otherKey });
    expect(spoofed.code).not.toBe(0);
    expect(spoofed.stderr).toMatch(/cannot reach .*(REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed)/s);
    expect(currentRelease(target)).toBe(before);
    expect(releases()).toEqual(kept);
    expect(await health(target)).toMatchObject({ version: before });
  });

  test("the workflow runs the same script with the same inputs, each documented by the script", () => {
    const workflow = readFileSync(path.join(REPO_ROOT, ".github/workflows/deploy.yml"), "utf8");
    const step = workflow.slice(workflow.indexOf("- name: Deploy\n"), workflow.indexOf("- name: Remove the deploy key"));
    expect(step).toContain("scripts/deploy.sh");
    const inputs = [...step.matchAll(/\b(DEPLOY_[A-Z_]+)(?=:|=)/g)].map((m) => m[1]!);
    expect(new Set(inputs)).toEqual(
      new Set(["DEPLOY_HOST", "DEPLOY_PATH", "DEPLOY_HEALTH_URL", "DEPLOY_PUSH_TAGS", "DEPLOY_SSH_PORT", "DEPLOY_SSH_KEY_FILE", "DEPLOY_KNOWN_HOSTS_FILE"]),
    );
    const documented = readFileSync(path.join(REPO_ROOT, "scripts/lib/deploy-common.sh"), "utf8");
    const used = sshEnv();
    for (const name of inputs) {
      expect(documented, name).toMatch(new RegExp(`^#   ${name}\\s`, "m"));
      expect(used[name], name).toBeTruthy();
    }
  });
});
