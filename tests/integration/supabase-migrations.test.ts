import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { dumpPublicSchema } from "../../scripts/lib/schema-dump";
import { migrate } from "#app/db/migrations.server";
import { openPglite } from "#app/db/pglite.server";
import type { SqlDatabase } from "#app/db/types";
import { createTestPostgres, type TestPostgres } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";
import { migrateTheOldWay, readLegacyMigrations } from "#tests/support/legacy-schema";
import { loadRepoSchema } from "#tests/support/schema-source";

// supabase/migrations and supabase/sql must apply unchanged with
// `supabase db push` (the function files as seed files, docs/SUPABASE.md): it
// keys migrations by the 14-digit version before the first underscore, runs
// each file in its own transaction in order, and keeps its own history (in
// supabase_migrations), so the files must not manage transactions or schemas.
// tests/integration/supabase-cli.test.ts runs the CLI itself.

const schema = await loadRepoSchema();
const files = [...schema.migrations, ...schema.functions];

/** The SQL outside dollar-quoted bodies and comments, where transaction control would act. */
function topLevel(sql: string): string {
  return sql
    .replace(/\$([a-z_]*)\$[\s\S]*?\$\1\$/gi, "$$$$")
    .replace(/--[^\n]*/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "");
}

async function applyLikeDbPush(db: SqlDatabase): Promise<void> {
  await db.session(async (s) => {
    for (const m of files) {
      await s.exec("begin");
      try {
        await s.exec(m.sql);
        await s.exec("commit");
      } catch (error) {
        await s.exec("rollback");
        throw new Error(`${m.name}: ${(error as Error).message}`);
      }
    }
  });
}

describe("supabase/ for supabase db push", () => {
  it("names every migration YYYYMMDDHHMMSS_name.sql with a distinct version, and every function file NN_area.sql", () => {
    expect(schema.migrations.length).toBeGreaterThan(0);
    for (const { name } of schema.migrations) expect(name).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
    for (const { name } of schema.functions) expect(name).toMatch(/^\d{2}_[a-z0-9_]+\.sql$/);
    const versions = schema.migrations.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort()).toEqual(versions);
  });

  it("leaves transactions and schemas to the runner: no begin/commit, no other schema", () => {
    for (const m of files) {
      const sql = topLevel(m.sql);
      expect(sql, m.name).not.toMatch(/(^|;)\s*(begin|start\s+transaction|commit|rollback|end)\s*(transaction|work)?\s*;/i);
      expect(sql, m.name).not.toMatch(/\b(create|alter|drop)\s+schema\b|\bset\s+(local\s+)?search_path\b/i);
      expect(sql, m.name).not.toMatch(/\b(table|function|view|sequence|type|index|on|into|from|references)\s+(?!public\.)[a-z_]+\.[a-z_]+\s*\(/i);
    }
  });

  describe("applied file by file, each in its own transaction, on a fresh PostgreSQL database", () => {
    const opened: TestPostgres[] = [];
    afterAll(async () => {
      await Promise.all(opened.map((pg) => pg.drop()));
    });

    it("builds the same public schema as the app's own runner, and nothing outside public", async () => {
      const [fresh, reference] = await Promise.all([createTestPostgres({ empty: true }), createTestPostgres()]);
      opened.push(fresh, reference);
      await applyLikeDbPush(fresh.db);
      const objects = (db: SqlDatabase) =>
        query<{ n: string; kind: string; name: string }>(
          db,
          `select n.nspname as n, 'fn' as kind, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname not in ('pg_catalog', 'information_schema')
           union all
           select n.nspname, c.relkind::text, c.relname
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
            order by 1, 2, 3`,
        );
      const built = await objects(fresh.db);
      expect(built.filter((o) => o.n !== "public")).toEqual([]);
      // The reference also has the runner's ledgers, in supabase_migrations (the CLI creates its own there when it pushes).
      const expected = (await objects(reference.db)).filter((o) => o.n !== "supabase_migrations");
      expect(built).toEqual(expected);
      expect(await fresh.db.rpc("ping")).toMatchObject({ ok: true });
    });
  });

  it("keeps supabase/schema.sql current (else: run npm run db:schema)", async () => {
    const pg = await createTestPostgres();
    try {
      const checkedIn = readFileSync(new URL("../../supabase/schema.sql", import.meta.url), "utf8");
      expect(dumpPublicSchema(pg.url) === checkedIn, "supabase/schema.sql is stale: run npm run db:schema").toBe(true);
    } finally {
      await pg.drop();
    }
  });

  /** Checks a database built on a Supabase-like cluster: tables and functions kept from anon and authenticated, open to service_role. */
  async function expectSupabaseHardened(db: SqlDatabase): Promise<void> {
    const as = (role: string, sql: string) =>
      db.session(async (s) => {
        await s.exec(`set role ${role}`);
        try {
          return await s.query(sql);
        } catch (error) {
          return (error as { code?: string }).code;
        } finally {
          await s.exec("reset role");
        }
      });
    for (const role of ["anon", "authenticated"]) {
      expect(await as(role, "select count_users() as r"), role).toBe("42501");
      expect(await as(role, "select ping() as r"), role).toBe("42501");
      expect(await as(role, "select count(*) from users"), role).toBe("42501");
    }
    const callable = await query<{ role: string; fn: string }>(
      db,
      `select r.rolname as role, p.oid::regprocedure::text as fn from pg_proc p cross join pg_roles r
        where p.pronamespace = 'public'::regnamespace and r.rolname in ('anon', 'authenticated')
          and has_function_privilege(r.oid, p.oid, 'execute')`,
    );
    expect(callable, "functions anon or authenticated may call").toEqual([]);
    const notForService = await query<{ fn: string }>(
      db,
      `select p.oid::regprocedure::text as fn from pg_proc p
        where p.pronamespace = 'public'::regnamespace and not has_function_privilege('service_role', p.oid, 'execute')`,
    );
    expect(notForService, "functions service_role may not call").toEqual([]);
    expect(await as("service_role", "select count_users() as r")).toEqual([{ r: { users: 0 } }]);
    expect(await as("service_role", "select acquire_heartbeat_lease('x', 5) ->> 'acquired' as r")).toEqual([{ r: "true" }]);
    const noRls = await query<{ relname: string }>(
      db,
      "select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity",
    );
    // A table added by a later migration needs its own `enable row level security`.
    expect(noRls, "public tables without row-level security").toEqual([]);
  }

  const SUPABASE_ROLES = `create role anon nologin; create role authenticated nologin; create role service_role nologin bypassrls;
                          grant usage on schema public to anon, authenticated, service_role;`;

  it("on a Supabase-like cluster, keeps tables and functions from anon and authenticated, open to service_role", async () => {
    const db = await openPglite();
    try {
      await db.session((s) => s.exec(SUPABASE_ROLES));
      await applyLikeDbPush(db);
      await expectSupabaseHardened(db);
    } finally {
      await db.close();
    }
  });

  it("on a Supabase-like cluster, hardens a database the earlier per-table migrations built once the runner takes it over", async () => {
    const db = await openPglite();
    try {
      await db.session((s) => s.exec(SUPABASE_ROLES));
      await migrateTheOldWay(db, readLegacyMigrations());
      await migrate(db, schema);
      await expectSupabaseHardened(db);
    } finally {
      await db.close();
    }
  });
});
