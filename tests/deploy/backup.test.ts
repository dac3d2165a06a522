import { spawn } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { openPglite } from "#app/db/pglite.server";
import { adminUrl, databaseUrl, dropDatabase } from "../support/admin";
import { until } from "../support/until";
import { freePort, makeTarget, run, tempDir, type RunResult, type Target } from "./support";

// The restore drill, with the operator commands a release ships
// (`node build/server/index.js backup|restore`, docs/PRODUCTION_SETUP.md),
// for both databases: write data, back up, change it, restore, the data is
// back; and a damaged backup is refused with the database left as it was.

let work: string;
let index: string;

const bundle = (target: Target, args: string[], extra: Record<string, string> = {}): Promise<RunResult> =>
  run(process.execPath, [`--env-file=${target.envFile}`, index, ...args], {
    cwd: path.join(target.dir, "shared"),
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...extra },
  });
const ok = (result: RunResult) => expect(result.code, result.stdout + result.stderr).toBe(0);
/** The path `backup` prints (its log line goes to stdout too, in either order). */
const backupFile = (result: RunResult) => result.stdout.split("\n").find((line) => line.startsWith("/"))!;

beforeAll(() => {
  work = tempDir("mc-backup-");
  index = path.join(inject("deployPrebuilt"), "server/index.js");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("embedded database: backup and restore", () => {
  let target: Target;
  const notes = async () => {
    const db = await openPglite({ dataDir: target.dataDir });
    try {
      const rows = await db.session((s) => s.query<{ value: string }>("select value from app_settings where key like 'drill.%' order by key"));
      return rows.map((r) => r.value);
    } finally {
      await db.close();
    }
  };
  const exec = async (sql: string) => {
    const db = await openPglite({ dataDir: target.dataDir });
    try {
      await db.session((s) => s.exec(sql));
    } finally {
      await db.close();
    }
  };

  beforeAll(() => {
    target = makeTarget(path.join(work, "pglite"), 1);
  });

  test("write, back up, change, restore: the data is back, and the replaced database is kept aside", async () => {
    ok(await bundle(target, ["migrate"]));
    await exec("insert into app_settings (key, value) values ('drill.a', 'before the backup')");
    const taken = await bundle(target, ["backup"]);
    ok(taken);
    const file = backupFile(taken);
    expect(file).toMatch(new RegExp(`^${target.dataDir}/backups/[^/]+/\\d{8}T\\d{6}Z\\.pglite\\.tar\\.gz$`));
    expect(statSync(file).mode & 0o077).toBe(0);

    await exec("update app_settings set value = 'changed' where key = 'drill.a'; insert into app_settings (key, value) values ('drill.b', 'after')");
    expect(await notes()).toEqual(["changed", "after"]);

    ok(await bundle(target, ["restore", file]));
    expect(await notes()).toEqual(["before the backup"]);
    expect(statSync(path.join(target.dataDir, "pgdata.before-restore")).isDirectory()).toBe(true);
  });

  test("a damaged backup or one of the wrong kind is refused and the database is left as it was", async () => {
    const file = backupFile(await bundle(target, ["backup"]));
    const damaged = path.join(work, "damaged.pglite.tar.gz");
    copyFileSync(file, damaged);
    truncateSync(damaged, Math.floor(statSync(damaged).size / 3));
    const refused = await bundle(target, ["restore", damaged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/damaged\.pglite\.tar\.gz is damaged \(.*\); nothing was changed/);

    const foreign = path.join(work, "foreign.dump");
    writeFileSync(foreign, "PGDMP not for this database");
    const wrongKind = await bundle(target, ["restore", foreign]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain("is not an embedded database backup");
    expect(await notes()).toEqual(["before the backup"]);
  });

  test("backup and restore refuse while a server holds the database; bad arguments get the usage", async () => {
    const held = await openPglite({ dataDir: target.dataDir });
    try {
      const backup = await bundle(target, ["backup"]);
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/Stop the service first/);
      const restore = await bundle(target, ["restore", "--before", "nothing-like-this"]);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain("There is no embedded database backup");
    } finally {
      await held.close();
    }
    const usage = await bundle(target, ["restore"]);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain("usage:");
  });
});

describe("PostgreSQL: backup and restore", () => {
  let target: Target;
  let name: string;
  let sql: postgres.Sql;
  const notes = async () => (await sql<{ value: string }[]>`select value from app_settings where key like 'drill.%' order by key`).map((r) => r.value);

  beforeAll(async () => {
    name = `mc_backup_${Math.random().toString(36).slice(2, 10)}`;
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    mkdirSync(path.join(work, "pg"), { recursive: true });
    target = makeTarget(path.join(work, "pg"), 1, { DATABASE_URL: databaseUrl(name) });
    sql = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await dropDatabase(admin, name);
    await admin.end();
  });

  test("write, back up (pg_dump custom format), change the data and the schema, restore: both are back", async () => {
    ok(await bundle(target, ["migrate"]));
    await sql`insert into app_settings (key, value) values ('drill.a', 'before the backup')`;
    const taken = await bundle(target, ["backup"]);
    ok(taken);
    const file = backupFile(taken);
    expect(file).toMatch(/\.dump$/);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe("PGDMP");

    await sql`update app_settings set value = 'changed' where key = 'drill.a'`;
    await sql`create table drill_newer (id int)`;
    ok(await bundle(target, ["restore", file]));
    expect(await notes()).toEqual(["before the backup"]);
    expect((await sql`select to_regclass('drill_newer')::text as t`)[0]!.t).toBeNull();
    // The restored database is a working one: the migrator finds it up to date.
    const again = await bundle(target, ["migrate"]);
    ok(again);
    expect(again.stdout).toMatch(/"applied":\[\]/);
  });

  test("the server's own start backs up before it applies a new migration", async () => {
    const bundle2 = path.join(work, "bundle-with-migration");
    cpSync(inject("deployPrebuilt"), bundle2, { recursive: true });
    writeFileSync(
      path.join(bundle2, "server/supabase/migrations/29990101000000_start_probe.sql"),
      "-- compatible-with-previous: true\ncreate table start_probe (id int);\n",
    );
    const server = spawn(process.execPath, [`--env-file=${target.envFile}`, path.join(bundle2, "server/index.js")], {
      cwd: path.join(target.dir, "shared"),
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PORT: String(await freePort()) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    server.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    try {
      await until("the server to listen", () => out.includes('"event":"server.listening"') || server.exitCode !== null, 60_000);
      expect(out).toContain('"event":"server.listening"');
    } finally {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    const backup = out.split("\n").find((line) => line.includes('"event":"db.backup"'));
    expect(backup, out).toBeDefined();
    expect(out.indexOf('"event":"db.backup"')).toBeLessThan(out.indexOf('"event":"db.migrated"'));
    const file = (JSON.parse(backup!) as { data: { file: string } }).data.file;
    expect(readFileSync(file).subarray(0, 5).toString()).toBe("PGDMP");
    expect((await sql`select to_regclass('start_probe')::text as t`)[0]!.t).toBe("start_probe");
  });

  test("a damaged backup is refused before anything is dropped", async () => {
    const file = backupFile(await bundle(target, ["backup"]));
    const damaged = path.join(work, "damaged.dump");
    copyFileSync(file, damaged);
    truncateSync(damaged, Math.floor(statSync(damaged).size / 2));
    const refused = await bundle(target, ["restore", damaged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot be read as a backup .*nothing was changed/);
    const garbage = path.join(work, "garbage.dump");
    writeFileSync(garbage, "not a dump at all");
    const notDump = await bundle(target, ["restore", garbage]);
    expect(notDump.stderr).toContain("is not a PostgreSQL backup");
    expect(await notes()).toEqual(["before the backup"]);
  });
});
