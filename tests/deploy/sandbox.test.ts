import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { until } from "../support/until";
import { freePort, makeTarget, run, tempDir, type Target } from "./support";

// What deploy/mission-control.service's sandbox allows, checked against what
// the bundle does at run time, as far as this machine can without systemd as
// its init (docs/PRODUCTION_SETUP.md, "The systemd service", says which
// options are verified how):
//   - MemoryDenyWriteExecute= must stay off: V8 compiles WebAssembly (the
//     embedded database) into memory it writes and then executes; with code
//     generation off (--jitless, what the option amounts to for V8) the
//     embedded database cannot start at all.
//   - ProtectSystem=strict + ReadWritePaths=DATA_DIR, User= (no root),
//     NoNewPrivileges=, CapabilityBoundingSet= (none): the bundle is started
//     in a mount namespace where the whole file system is read-only except
//     the data directory, as an unprivileged user with no_new_privs and no
//     capabilities, and must start, migrate, serve and write.

let work: string;
let bundle: string;

beforeAll(() => {
  work = tempDir("mc-sandbox-");
  chmodSync(work, 0o755); // like /srv/mission-control: the service's user may pass through
  bundle = path.join(work, "release", "build");
  cpSync(inject("deployPrebuilt"), bundle, { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the unit's sandbox against the bundle", () => {
  test("MemoryDenyWriteExecute would break the embedded database: without writable+executable code it cannot start", async () => {
    const script =
      "const { PGlite } = await import('@electric-sql/pglite'); const pg = await PGlite.create(); await pg.query('select 1'); console.log('started');";
    const cwd = path.resolve(import.meta.dirname, "../..");
    const withJit = await run(process.execPath, ["--input-type=module", "-e", script], { cwd });
    expect(withJit.stdout.trim(), withJit.stderr.slice(-500)).toBe("started");
    const jitless = await run(process.execPath, ["--jitless", "--input-type=module", "-e", script], { cwd });
    // It fails while loading PGlite's WebAssembly; how the error reads varies with the load on the machine.
    expect(jitless.code).not.toBe(0);
    expect(jitless.stdout).not.toContain("started");
    expect(jitless.stderr, jitless.stderr.slice(-500)).toMatch(/WebAssembly|wasm|pglite/i);
  });

  // Needs root (mount namespaces, changing user); elsewhere only the unit file checks in files.test.ts run.
  const canSandbox = process.getuid?.() === 0 && spawnSync("unshare", ["--mount", "true"]).status === 0 && spawnSync("setpriv", ["--version"]).status === 0;
  describe.skipIf(!canSandbox)("read-only file system except DATA_DIR, unprivileged, no capabilities, no_new_privs", () => {
    let target: Target;
    let server: ChildProcess | undefined;
    let log = "";

    beforeAll(async () => {
      target = makeTarget(path.join(work, "t"), await freePort());
      mkdirSync(target.dataDir, { recursive: true });
      // The service's user owns the data directory and reads the environment file (root:mission-control 0640 on a server).
      chownSync(target.dataDir, 65534, 65534);
      chownSync(target.envFile, 65534, 65534);
      const sandboxed = [
        'set -e; mount --bind "$1" "$1"; mount --bind "$2" "$2"',
        'mount -o remount,bind,ro /; mount -o remount,bind,ro "$1"',
        'cd "$6/shared"',
        'exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- env -i NODE_ENV=production PATH=/usr/bin:/bin "$3" --env-file="$4" "$5"',
      ].join("\n");
      server = spawn(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "--",
          "sh",
          "-c",
          sandboxed,
          "sh",
          work,
          target.dataDir,
          process.execPath,
          target.envFile,
          path.join(bundle, "server/index.js"),
          target.dir,
        ],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      server.stdout!.setEncoding("utf8").on("data", (c: string) => (log += c));
      server.stderr!.setEncoding("utf8").on("data", (c: string) => (log += c));
      await until(
        "the sandboxed server to answer its health check",
        async () => {
          if (server!.exitCode !== null) throw new Error(`the sandboxed server exited (${server!.exitCode})`);
          return (await fetch(target.healthUrl).catch(() => null))?.ok;
        },
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${log}`);
      });
    }, 90_000);

    afterAll(async () => {
      if (!server || server.exitCode !== null) return;
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }, 30_000);

    test("starts, migrates, serves and writes with only DATA_DIR writable", async () => {
      const token = /MC_API_TOKEN=(\S+)/.exec(readFileSync(target.envFile, "utf8"))![1]!;
      const heartbeat = await fetch(`http://127.0.0.1:${target.port}/api/heartbeat?token=${token}`, { method: "POST" });
      expect(heartbeat.status, await heartbeat.clone().text()).toBe(200);
      const page = await fetch(`http://127.0.0.1:${target.port}/login`);
      expect(page.status).toBeLessThan(500);
      expect(log).toContain('"event":"db.ready"');
      expect(log).not.toMatch(/EROFS|EACCES|EPERM|"level":"(error|fatal)"/);
    });
  });
});
