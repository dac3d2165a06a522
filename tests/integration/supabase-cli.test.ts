import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadSchema, migrate } from "#app/db/migrations.server";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";
import { SCHEMA_DIR } from "#tests/support/schema-source";
import { stageSqlRelease } from "../../scripts/lib/sql-release";

// The Supabase CLI (the pinned npm package, its real binary) and the app share
// one ledger on a real PostgreSQL database: either can build the schema first
// and the other agrees, and a function change ships with `db push`. Each test
// works on a copy of supabase/ (the CLI writes supabase/.temp, the staging
// writes supabase/.release) and on a database of its own.

const CLI = fileURLToPath(new URL("../../node_modules/.bin/supabase", import.meta.url));
const run = promisify(execFile);

const workdirs: string[] = [];
function workdir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mc-supabase-cli-"));
  workdirs.push(dir);
  for (const part of ["config.toml", "migrations", "sql"]) cpSync(path.join(SCHEMA_DIR, part), path.join(dir, "supabase", part), { recursive: true });
  return dir;
}

/** The CLI wants no TLS on a local server: it says "server does not support SSL" otherwise. */
function cliUrl(pg: TestPostgres): string {
  const url = new URL(pg.url);
  url.searchParams.set("sslmode", "disable");
  return url.toString();
}

async function cli(dir: string, pg: TestPostgres, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(CLI, [...args, "--workdir", dir, "--db-url", cliUrl(pg), "--yes"], {
    env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    timeout: 120_000,
  });
  return `${stdout}\n${stderr}`;
}

async function migrationList(dir: string, pg: TestPostgres): Promise<Array<{ local: string; remote: string }>> {
  const out = await cli(dir, pg, "migration", "list", "--output-format", "json");
  const json = out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1);
  return (JSON.parse(json) as { migrations: Array<{ local: string; remote: string }> }).migrations.map(({ local, remote }) => ({ local, remote }));
}

describe("the Supabase CLI and the app on one PostgreSQL database", () => {
  const databases: TestPostgres[] = [];
  async function emptyDatabase(): Promise<TestPostgres> {
    const pg = await createTestPostgres({ empty: true });
    databases.push(pg);
    return pg;
  }
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((pg) => pg.drop()));
  });
  afterAll(() => {
    for (const dir of workdirs) rmSync(dir, { recursive: true, force: true });
  });

  it("CLI first: db push builds the schema, and the app then applies only the function files it has not applied itself", async () => {
    const dir = workdir();
    const pg = await emptyDatabase();
    const schema = await loadSchema(path.join(dir, "supabase"));
    stageSqlRelease(path.join(dir, "supabase"));
    await cli(dir, pg, "db", "push", "--include-seed");
    // The CLI ran the function files as seeds: the functions are there already.
    expect(await pg.db.rpc("ping")).toMatchObject({ ok: true });
    const report = await migrate(pg.db, schema);
    expect(report).toEqual({ applied: [], skipped: schema.migrations.length, functions: schema.functions.map((f) => f.name), adopted: false, newer: [] });
    expect(await migrate(pg.db, schema)).toMatchObject({ applied: [], functions: [] });
    expect(await migrationList(dir, pg)).toEqual(schema.migrations.map((m) => ({ local: m.version, remote: m.version })));
  }, 180_000);

  it("app first: migration list shows every migration as applied, db push has nothing to do, and the CLI recorded what the app recorded", async () => {
    const dir = workdir();
    const pg = await emptyDatabase();
    const schema = await loadSchema(path.join(dir, "supabase"));
    await migrate(pg.db, schema);
    expect(await migrationList(dir, pg)).toEqual(schema.migrations.map((m) => ({ local: m.version, remote: m.version })));
    expect(await cli(dir, pg, "db", "push")).toMatch(/Remote database is up to date/);

    // The CLI's own record of the same files, on another database, is the same rows the app wrote.
    const other = await emptyDatabase();
    await cli(dir, other, "db", "push");
    const ledger = "select version, name, statements from supabase_migrations.schema_migrations order by version";
    expect(await query(other.db, ledger)).toEqual(await query(pg.db, ledger));
  }, 180_000);

  it("ships a function change with db push --include-seed, which the app then applies once more itself", async () => {
    const dir = workdir();
    const pg = await emptyDatabase();
    const supabaseDir = path.join(dir, "supabase");
    stageSqlRelease(supabaseDir);
    await cli(dir, pg, "db", "push", "--include-seed");
    await migrate(pg.db, await loadSchema(supabaseDir));

    // A function change is an edit of its one file.
    const file = path.join(supabaseDir, "sql", "01_base_helpers.sql");
    writeFileSync(file, `${readFileSync(file, "utf8")}\ncreate or replace function shipped_by_cli() returns int language sql as $$ select 42 $$;\n`);
    const staged = stageSqlRelease(supabaseDir);
    const out = await cli(dir, pg, "db", "push", "--include-seed");
    const changed = staged.find((f) => f.startsWith("01_base_helpers."))!;
    expect(out).toContain(`Seeding data from supabase/.release/${changed}`);
    expect(out.match(/Seeding data from/g)).toHaveLength(1);
    expect(await query(pg.db, "select shipped_by_cli() as n")).toEqual([{ n: 42 }]);

    // The app starts afterwards: it never takes the CLI's word for a function file, so it applies that one file again.
    const report = await migrate(pg.db, await loadSchema(supabaseDir));
    expect(report).toMatchObject({ applied: [], functions: ["01_base_helpers.sql"] });
    expect(await pg.db.rpc("ping")).toMatchObject({ ok: true });
    expect(await cli(dir, pg, "db", "push", "--include-seed")).toMatch(/Remote database is up to date/);
  }, 180_000);

  it("adds a versioned migration pushed by the CLI to what the app knows, and the other way round", async () => {
    const dir = workdir();
    const pg = await emptyDatabase();
    const supabaseDir = path.join(dir, "supabase");
    await migrate(pg.db, await loadSchema(supabaseDir));
    writeFileSync(path.join(supabaseDir, "migrations", "29990101000000_added_by_cli.sql"), "create table added_by_cli (id int);\n");
    await cli(dir, pg, "db", "push");
    expect(await migrate(pg.db, await loadSchema(supabaseDir))).toMatchObject({ applied: [], functions: [] });
    writeFileSync(path.join(supabaseDir, "migrations", "29990102000000_added_by_app.sql"), "create table added_by_app (id int);\n");
    expect(await migrate(pg.db, await loadSchema(supabaseDir))).toMatchObject({ applied: ["29990102000000_added_by_app.sql"] });
    const versions = (await migrationList(dir, pg)).slice(-2);
    expect(versions).toEqual([
      { local: "29990101000000", remote: "29990101000000" },
      { local: "29990102000000", remote: "29990102000000" },
    ]);
    expect(await cli(dir, pg, "db", "push")).toMatch(/Remote database is up to date/);
  }, 180_000);
});
