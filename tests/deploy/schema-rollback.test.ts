import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { adminUrl, databaseUrl, dropDatabase } from "../support/admin";
import {
  SERVICE_SCRIPT,
  addMigration,
  breakServer,
  currentRelease,
  deployEnv,
  freePort,
  health,
  makeClone,
  makeTarget,
  must,
  run,
  tempDir,
  useBuild,
  type RunResult,
  type Target,
} from "./support";

// Rollback across schema changes (decision 039), on a PostgreSQL target: the
// releases are the suite's prebuilt bundle, each later one with one more
// migration (as a real release brings one), deployed by scripts/deploy.sh and
// rolled back by scripts/rollback.sh. The tests run in order on one target.
//   A                       the bundle as it is
//   B  = A + additive       declared compatible: rolling back keeps B's data
//   (rolled back to A)
//   B2 = B + migration, a server that never becomes healthy: the deploy
//        restores the backup taken before B2's migration and returns to A
//   C  = B + incompatible   rolling back to B refuses, names it and the restore

const ADDITIVE = "29990101000000_rollback_probe_note.sql";
const ADDITIVE_SQL = "-- A column the release before ignores.\n-- compatible-with-previous: true\nalter table heartbeat_runs add column probe_note text;\n";
const FAILED = "29990101000100_never_healthy.sql";
const FAILED_SQL = "-- compatible-with-previous: true\ncreate table never_healthy_probe (id int primary key);\n";
const BREAKING = "29990101000200_drop_probe_note.sql";
const BREAKING_SQL =
  "-- Contract: the release before still writes probe_note.\n-- compatible-with-previous: false\ncreate table breaking_probe (id int primary key);\n";

let work: string;
let clone: string;
let target: Target;
let prebuilt: string;
let dbName: string;
let sql: postgres.Sql;

const deploy = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/deploy.sh"), [], { cwd: clone, env: deployEnv(target, { DEPLOY_SKIP_BUILD: "1", ...extra }) });
const rollback = (extra: Record<string, string> = {}): Promise<RunResult> =>
  run(path.join(clone, "scripts/rollback.sh"), [], { cwd: clone, env: deployEnv(target, extra) });
const heartbeat = async () => {
  const token = /MC_API_TOKEN=(\S+)/.exec((await import("node:fs")).readFileSync(target.envFile, "utf8"))![1]!;
  const response = await fetch(`http://127.0.0.1:${target.port}/api/heartbeat?token=${token}`, { method: "POST" });
  expect(response.status, await response.clone().text()).toBe(200);
};
const heartbeatRuns = async () => (await sql<{ n: number }[]>`select count(*)::int as n from heartbeat_runs`)[0]!.n;
const ledger = async () => (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations order by version`).map((r) => r.version);
const backupsOf = (release: string) => {
  const dir = path.join(target.dataDir, "backups", release);
  return existsSync(dir) ? readdirSync(dir) : [];
};

beforeAll(async () => {
  prebuilt = inject("deployPrebuilt");
  work = tempDir("mc-deploy-schema-");
  clone = await makeClone(work);
  useBuild(clone, prebuilt);
  dbName = `mc_deploy_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  sql = postgres(databaseUrl(dbName), { max: 1, onnotice: () => {} });
  target = makeTarget(work, await freePort(), { DATABASE_URL: databaseUrl(dbName) });
});

afterAll(async () => {
  if (target) await run(SERVICE_SCRIPT, ["stop"], { env: deployEnv(target) });
  await sql?.end();
  if (dbName) {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await dropDatabase(admin, dbName);
    await admin.end();
  }
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("rollback across schema changes (PostgreSQL target)", () => {
  let a: string;
  let b: string;
  let c: string;

  test("deploy A, deploy B with an additive migration (backed up first), write under B, roll back: A serves on B's schema and B's data is there", async () => {
    const first = await deploy();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    a = currentRelease(target);
    expect(first.stdout).not.toContain('"event":"db.backup"'); // a fresh database has nothing to lose
    await heartbeat();

    await addMigration(clone, ADDITIVE, ADDITIVE_SQL);
    const second = await deploy();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    b = currentRelease(target);
    expect(second.stdout).toContain('"event":"db.backup"');
    expect(backupsOf(b)).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z\.dump$/)]);
    expect(await ledger()).toContain("29990101000000");
    await heartbeat();
    await sql`update heartbeat_runs set probe_note = 'written under B'`;
    const runsUnderB = await heartbeatRuns();

    const started = Date.now();
    const back = await rollback();
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(back.stdout).not.toMatch(/restor/i);
    expect(currentRelease(target)).toBe(a);
    expect(await health(target)).toMatchObject({ status: "ok", version: a });
    // A runs on B's schema and works: it writes, and B's rows and column are still there.
    await heartbeat();
    expect(await heartbeatRuns()).toBe(runsUnderB + 1);
    expect((await sql`select count(*)::int as n from heartbeat_runs where probe_note = 'written under B'`)[0]!.n).toBe(runsUnderB);
    expect(await ledger()).toContain("29990101000000");
  });

  test("a release with a migration that never becomes healthy: the backup taken before its migration is restored and the previous release (A, on B's schema) serves", async () => {
    await heartbeat();
    const before = await heartbeatRuns();
    const good = path.join(work, "good-build");
    (await import("node:fs")).cpSync(path.join(clone, "build"), good, { recursive: true });
    await addMigration(clone, FAILED, FAILED_SQL);
    breakServer(clone);
    const result = await deploy({ DEPLOY_HEALTH_TIMEOUT: "5" });
    useBuild(clone, good);
    await must("git", ["rm", "-q", `supabase/migrations/${FAILED}`], { cwd: clone });
    await must("git", ["commit", "-q", "-m", "drop the failed migration"], { cwd: clone });

    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('"event":"db.backup"');
    expect(result.stdout).toMatch(/restoring the database from the backup taken before deploy-\S+'s migrations/);
    expect(result.stderr).toMatch(new RegExp(`failed its health check; rolled back to ${a}`));
    expect(currentRelease(target)).toBe(a);
    expect(await health(target)).toMatchObject({ version: a });
    // The migration is undone; nothing acknowledged before the deploy is lost.
    expect(await ledger()).not.toContain("29990101000100");
    expect((await sql`select to_regclass('never_healthy_probe')::text as t`)[0]!.t).toBeNull();
    expect(await heartbeatRuns()).toBe(before);
    expect(await ledger()).toContain("29990101000000"); // B's migration, from before the failed deploy, stays
  });

  test("an incompatible migration: rollback refuses with the reason and the restore command, changing nothing; with the restore it returns", async () => {
    await addMigration(clone, BREAKING, BREAKING_SQL);
    const deployed = await deploy();
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    c = currentRelease(target);

    const refused = await rollback();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`refusing to roll back to ${b}`);
    expect(refused.stderr).toContain(BREAKING.replace(/\.sql$/, ""));
    expect(refused.stderr).toContain("DEPLOY_ROLLBACK_RESTORE=1 scripts/rollback.sh");
    expect(currentRelease(target)).toBe(c);
    expect(await health(target)).toMatchObject({ version: c });
    expect(existsSync(path.join(target.dir, "deploy.lock"))).toBe(false);

    const restored = await rollback({ DEPLOY_ROLLBACK_RESTORE: "1" });
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`restore the backup taken before ${c}`); // the failed release's backup went with it
    expect(currentRelease(target)).toBe(b);
    expect(await health(target)).toMatchObject({ version: b });
    expect(await ledger()).not.toContain("29990101000200");
    expect(await ledger()).toContain("29990101000000");
  });
});
