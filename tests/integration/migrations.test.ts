import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { MigrationError, declaredCompatibility, migrate, type Migration, type SchemaFile, type SchemaSource } from "#app/db/migrations.server";
import { openPostgres } from "#app/db/postgres.server";
import { splitStatements } from "#app/db/sql-statements";
import type { SqlDatabase } from "#app/db/types";
import { TRANSITIONS } from "#app/domain/task-status";
import { TRANSPORTS, openTestDatabase, type Transport } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";
import { loadRepoSchema } from "#tests/support/schema-source";

const schema = await loadRepoSchema();
const names = schema.migrations.map((m) => m.name);
const fileNames = schema.functions.map((f) => f.name);

function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

function migration(name: string, sql: string): Migration {
  const [, version, label] = /^(\d{14})_(.+)\.sql$/.exec(name)!;
  return {
    name,
    sql,
    checksum: checksum(sql),
    version: version!,
    label: label!,
    statements: splitStatements(sql),
    compatibleWithPrevious: declaredCompatibility(sql) ?? false,
  };
}

function functionFile(name: string, sql: string): SchemaFile {
  return { name, sql, checksum: checksum(sql) };
}

function withMigration(m: Migration): SchemaSource {
  return { ...schema, migrations: [...schema.migrations, m] };
}

/** The repository's function files with one replaced. */
function withFunctionFile(f: SchemaFile): SchemaSource {
  return { ...schema, functions: schema.functions.map((g) => (g.name === f.name ? f : g)) };
}

describe.each(TRANSPORTS)("migrations on %s", (kind: Transport) => {
  const opened: Array<{ close(): Promise<void> }> = [];
  async function open(empty: boolean): Promise<{ db: SqlDatabase; url?: string }> {
    const handle = await openTestDatabase(kind, { empty });
    opened.push(handle);
    return handle;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((h) => h.close()));
  });

  it("applies every migration once and every function file, recorded as the Supabase CLI records them, and nothing the second time", async () => {
    const { db } = await open(true);
    expect(await migrate(db, schema)).toEqual({ applied: names, skipped: 0, functions: fileNames, adopted: false, newer: [] });
    expect(await migrate(db, schema)).toEqual({ applied: [], skipped: names.length, functions: [], adopted: false, newer: [] });
    const rows = await query<{ version: string; name: string; statements: string[] }>(
      db,
      "select version, name, statements from supabase_migrations.schema_migrations order by version",
    );
    expect(rows).toEqual(schema.migrations.map((m) => ({ version: m.version, name: m.label, statements: m.statements })));
    const files = await query<{ name: string; checksum: string }>(db, "select name, checksum from supabase_migrations.function_files order by name");
    expect(files).toEqual(schema.functions.map((f) => ({ name: f.name, checksum: f.checksum })));
  });

  it("applies only a newly added migration", async () => {
    const { db } = await open(false);
    const added = migration("29990101000000_added.sql", "create table added_by_test (id int);");
    expect(await migrate(db, withMigration(added))).toMatchObject({ applied: [added.name], skipped: names.length, functions: [] });
    expect(await query(db, "select count(*)::int as n from added_by_test")).toEqual([{ n: 0 }]);
  });

  it("applies a changed function file again, and only that one", async () => {
    const { db } = await open(false);
    const base = schema.functions.find((f) => f.name.endsWith("_base_helpers.sql"))!;
    const changed = functionFile(base.name, `${base.sql}\ncreate or replace function added_by_test() returns int language sql as $$ select 7 $$;\n`);
    expect(await migrate(db, withFunctionFile(changed))).toMatchObject({ applied: [], functions: [base.name] });
    expect(await query(db, "select added_by_test() as n")).toEqual([{ n: 7 }]);
    expect(await query(db, "select checksum from supabase_migrations.function_files where name = $1", [base.name])).toEqual([{ checksum: changed.checksum }]);
    // Back to the repository's text: applied again (the function added above stays, as `create or replace` leaves it).
    expect(await migrate(db, schema)).toMatchObject({ functions: [base.name] });
  });

  it("refuses to start when an applied migration was edited, before anything runs", async () => {
    const { db } = await open(false);
    const first = schema.migrations[0]!;
    const edited = migration(first.name, `${first.sql}\ncreate table edited_in (id int);\n`);
    const added = migration("29990101000000_after_edit.sql", "create table after_edit (id int);");
    const error = await migrate(db, { ...schema, migrations: [edited, ...schema.migrations.slice(1), added] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(`Migration ${first.name} was edited after it was applied. Restore it and add a new migration instead.`);
    expect(await query(db, "select to_regclass('after_edit') as t")).toEqual([{ t: null }]);
  });

  it("takes whitespace after the last statement as no edit: the recorded statements are the same", async () => {
    const { db } = await open(false);
    const first = schema.migrations[0]!;
    // Whitespace after the last statement is not part of any statement: the CLI records the same array.
    const trailing = migration(first.name, `${first.sql}\n\n`);
    expect(trailing.statements).toEqual(first.statements);
    expect(await migrate(db, { ...schema, migrations: [trailing, ...schema.migrations.slice(1)] })).toMatchObject({ applied: [] });
  });

  it("refuses to start when the database has a migration this build does not know", async () => {
    const { db } = await open(false);
    await query(db, "insert into supabase_migrations.schema_migrations (version, name, statements) values ('29991231000000', 'future', '{}')");
    const error = await migrate(db, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/has migration 29991231000000_future, which this build does not know/);
  });

  it("lets an older build start on newer migrations declared compatible, and records the declaration", async () => {
    const { db } = await open(false);
    const additive = migration(
      "29991231000001_additive.sql",
      "-- Adds a column the previous release ignores.\n-- compatible-with-previous: true\nalter table tasks add column rollback_probe text;\n",
    );
    expect(await migrate(db, withMigration(additive))).toMatchObject({ applied: [additive.name] });
    expect(await query(db, "select compatible_with_previous from supabase_migrations.schema_migrations where version = $1", [additive.version])).toEqual([
      { compatible_with_previous: true },
    ]);
    // The build before it starts, applies nothing, and names what it runs on.
    expect(await migrate(db, schema)).toMatchObject({ applied: [], newer: ["29991231000001_additive"] });
  });

  it("refuses an older build on a newer migration that is not declared compatible, naming it and the restore", async () => {
    const { db } = await open(false);
    const additive = migration("29991231000001_additive.sql", "-- compatible-with-previous: true\nalter table tasks add column rollback_probe text;\n");
    const breaking = migration("29991231000002_breaking.sql", "-- compatible-with-previous: false\nalter table tasks rename column rollback_probe to probe;\n");
    await migrate(db, { ...schema, migrations: [...schema.migrations, additive, breaking] });
    const error = await migrate(db, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain("has migration 29991231000002_breaking, which this build does not know");
    expect((error as Error).message).not.toContain("29991231000001_additive,");
    expect((error as Error).message).toContain("restore --before");
  });

  it("rolls a failing migration back entirely and does not record it", async () => {
    const { db } = await open(false);
    const bad = migration("29990101000000_bad.sql", "create table half_done (id int);\nselect 1 / 0;");
    const error = await migrate(db, withMigration(bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/^Migration 29990101000000_bad\.sql failed: division by zero/);
    expect(await query(db, "select to_regclass('half_done') as t")).toEqual([{ t: null }]);
    expect(await query(db, "select count(*)::int as n from supabase_migrations.schema_migrations where version = $1", [bad.version])).toEqual([{ n: 0 }]);
    // The session is usable again afterwards: the lock was released and no transaction is open.
    expect(await migrate(db, schema)).toMatchObject({ applied: [], skipped: names.length, functions: [] });
  });

  it("rolls a failing function file back entirely and keeps its previous record", async () => {
    const { db } = await open(false);
    const base = schema.functions.find((f) => f.name.endsWith("_base_helpers.sql"))!;
    const bad = functionFile(base.name, `create or replace function half_defined() returns int language sql as $$ select 1 $$;\nselect 1 / 0;\n`);
    const error = await migrate(db, withFunctionFile(bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(new RegExp(`^Function file ${base.name.replace(".", "\\.")} failed: division by zero`));
    expect(await query(db, "select to_regprocedure('half_defined()')::text as f")).toEqual([{ f: null }]);
    expect(await query(db, "select checksum from supabase_migrations.function_files where name = $1", [base.name])).toEqual([{ checksum: base.checksum }]);
  });

  it("seeds task_transitions exactly as app/domain/task-status.ts defines them", async () => {
    const { db } = await open(false);
    const rows = await query<{ from_status: string; to_status: string }>(db, "select from_status, to_status from task_transitions");
    const inSql = rows.map((r) => `${r.from_status}→${r.to_status}`).sort();
    const inTs = Object.entries(TRANSITIONS)
      .flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`))
      .sort();
    expect(inSql).toEqual(inTs);
  });

  it.runIf(kind === "postgres")("lets two servers migrate one database at the same time", async () => {
    const { url } = await open(true);
    const a = openPostgres(url!, { max: 2 });
    const b = openPostgres(url!, { max: 2 });
    try {
      const [ra, rb] = await Promise.all([migrate(a, schema), migrate(b, schema)]);
      // One did the work while the other waited on the lock, then found it done.
      expect([...ra.applied, ...rb.applied].sort()).toEqual(names);
      expect([...ra.functions, ...rb.functions].sort()).toEqual(fileNames);
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, names.length]);
      const rows = await query<{ version: string; n: number }>(
        a,
        "select version, count(*)::int as n from supabase_migrations.schema_migrations group by version order by version",
      );
      expect(rows).toEqual(schema.migrations.map((m) => ({ version: m.version, n: 1 })));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it.runIf(kind === "pglite")("runs two concurrent migrate() calls on one embedded database one after the other", async () => {
    const { db } = await open(true);
    const [ra, rb] = await Promise.all([migrate(db, schema), migrate(db, schema)]);
    expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, names.length]);
    expect([ra.functions.length, rb.functions.length].sort()).toEqual([0, fileNames.length]);
    const rows = await query<{ n: number }>(db, "select count(*)::int as n from supabase_migrations.schema_migrations");
    expect(rows).toEqual([{ n: names.length }]);
  });
});
