import { afterEach, describe, expect, it } from "vitest";
import { MigrationError, migrate, type Migration } from "#app/db/migrations.server";
import { openPostgres } from "#app/db/postgres.server";
import type { SqlDatabase } from "#app/db/types";
import { TRANSITIONS } from "#app/domain/task-status";
import { TRANSPORTS, openTestDatabase, type Transport } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";
import { loadRepoMigrations } from "#tests/support/migrations-hash";

const migrations = await loadRepoMigrations();
const names = migrations.map((m) => m.name);

function extra(name: string, sql: string): Migration {
  return { name, sql, checksum: `test-${name}-${sql.length}` };
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

  it("applies every file once, in name order, and nothing the second time", async () => {
    const { db } = await open(true);
    expect(await migrate(db, migrations)).toEqual({ applied: names, skipped: 0 });
    expect(await migrate(db, migrations)).toEqual({ applied: [], skipped: names.length });
    const rows = await query<{ name: string; checksum: string }>(db, "select name, checksum from schema_migrations order by applied_at, name");
    expect(rows).toEqual(migrations.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it("applies only a newly added file", async () => {
    const { db } = await open(false);
    const added = extra("29990101000000_added.sql", "create table added_by_test (id int);");
    expect(await migrate(db, [...migrations, added])).toEqual({ applied: [added.name], skipped: names.length });
    expect(await query(db, "select count(*)::int as n from added_by_test")).toEqual([{ n: 0 }]);
  });

  it("refuses to start when an applied file was edited", async () => {
    const { db } = await open(false);
    const edited = migrations.map((m, i) => (i === 3 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: "0".repeat(64) } : m));
    const added = extra("29990101000000_after_edit.sql", "create table after_edit (id int);");
    const error = await migrate(db, [...edited, added]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(`Migration ${names[3]} was edited after it was applied. Restore it and add a new migration instead.`);
    // Checked before anything runs: the new file was not applied.
    expect(await query(db, "select to_regclass('after_edit') as t")).toEqual([{ t: null }]);
  });

  it("refuses to start when the database has a migration this build does not know", async () => {
    const { db } = await open(false);
    await query(db, "insert into schema_migrations (name, checksum) values ('29991231000000_future.sql', 'abc')");
    const error = await migrate(db, migrations).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/has migration 29991231000000_future\.sql, which this build does not know/);
  });

  it("rolls a failing file back entirely and does not record it", async () => {
    const { db } = await open(false);
    const bad = extra("29990101000000_bad.sql", "create table half_done (id int);\nselect 1 / 0;");
    const error = await migrate(db, [...migrations, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/^Migration 29990101000000_bad\.sql failed: division by zero/);
    expect(await query(db, "select to_regclass('half_done') as t")).toEqual([{ t: null }]);
    expect(await query(db, "select count(*)::int as n from schema_migrations where name = $1", [bad.name])).toEqual([{ n: 0 }]);
    // The session is usable again afterwards: the lock was released and no transaction is open.
    expect(await migrate(db, migrations)).toEqual({ applied: [], skipped: names.length });
  });

  it("seeds task_transitions exactly as app/domain/task-status.ts defines them", async () => {
    const { db } = await open(false);
    const rows = await query<{ from_status: string; to_status: string }>(db, "select from_status, to_status from task_transitions");
    const inSql = rows.map((r) => `${r.from_status}→${r.to_status}`).sort();
    const inTs = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`)).sort();
    expect(inSql).toEqual(inTs);
  });

  it.runIf(kind === "postgres")("lets two servers migrate one database at the same time", async () => {
    const { url } = await open(true);
    const a = openPostgres(url!, { max: 2 });
    const b = openPostgres(url!, { max: 2 });
    try {
      const [ra, rb] = await Promise.all([migrate(a, migrations), migrate(b, migrations)]);
      // One did the work while the other waited on the lock, then found it done.
      expect([...ra.applied, ...rb.applied].sort()).toEqual(names);
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, names.length]);
      const rows = await query<{ name: string; n: number }>(a, "select name, count(*)::int as n from schema_migrations group by name order by name");
      expect(rows).toEqual(names.map((name) => ({ name, n: 1 })));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it.runIf(kind === "pglite")("runs two concurrent migrate() calls on one embedded database one after the other", async () => {
    const { db } = await open(true);
    const [ra, rb] = await Promise.all([migrate(db, migrations), migrate(db, migrations)]);
    expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, names.length]);
    const rows = await query<{ n: number }>(db, "select count(*)::int as n from schema_migrations");
    expect(rows).toEqual([{ n: names.length }]);
  });
});
