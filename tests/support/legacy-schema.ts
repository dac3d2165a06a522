import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { SqlDatabase, SqlSession } from "#app/db/types";

// The migrations the baseline replaced, kept as a gzipped tarball fixture for
// the equivalence test (tests/integration/schema-equivalence.test.ts), and
// the old runner's way of applying them: each file in its own transaction,
// recorded in public.schema_migrations(name, checksum, applied_at).

export const LEGACY_TARBALL = new URL("../schema/legacy-migrations.tar.gz", import.meta.url);

export interface LegacyFile {
  name: string;
  sql: string;
}

/** The .sql files in the tarball, in name order (a ustar reader: regular files only). */
export function readLegacyMigrations(): LegacyFile[] {
  const tar = gunzipSync(readFileSync(LEGACY_TARBALL));
  const files: LegacyFile[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number) =>
      header
        .subarray(from, from + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const name = field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    if ((type === "0" || type === "") && name.endsWith(".sql")) {
      files.push({ name: name.replace(/^\.\//, ""), sql: tar.subarray(at + 512, at + 512 + size).toString("utf8") });
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** Applies files exactly as the runner before the baseline did. */
export async function migrateTheOldWay(db: SqlDatabase, files: LegacyFile[]): Promise<void> {
  await db.session(async (s: SqlSession) => {
    await s.exec(`create table if not exists schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    for (const file of files) {
      await s.exec("begin");
      try {
        await s.exec(file.sql);
        await s.query("insert into schema_migrations (name, checksum) values ($1, $2)", [file.name, createHash("sha256").update(file.sql).digest("hex")]);
        await s.exec("commit");
      } catch (error) {
        await s.exec("rollback");
        throw new Error(`${file.name}: ${(error as Error).message}`);
      }
    }
  });
}

/**
 * Everything the public schema holds, from the catalog (works on PostgreSQL
 * and the embedded database alike): each function's definition, each table's
 * columns, constraints, indexes, triggers and row-level security, keyed by
 * name. The ledgers are left out: they are how a schema was built, not what it is.
 */
export async function schemaSnapshot(db: SqlDatabase): Promise<Map<string, string>> {
  const rows = await db.session((s) =>
    s.query<{ k: string; v: string }>(`
      select 'function ' || p.oid::regprocedure::text as k, pg_get_functiondef(p.oid) || coalesce(' acl:' || p.proacl::text, '') as v
        from pg_proc p where p.pronamespace = 'public'::regnamespace
      union all
      select 'table ' || c.relname, 'rls:' || c.relrowsecurity || ' acl:' || coalesce(c.relacl::text, '') || ' ' || (
               select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
                                 || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || case when a.attgenerated <> '' then ' generated' else '' end,
                                 ', ' order by a.attnum)
                 from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)
        from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations'
      union all
      -- Not-null constraints (contype 'n', catalogued from PostgreSQL 18 on) are already in the table's columns.
      select 'constraint ' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        from pg_constraint k join pg_class c on c.oid = k.conrelid
       where c.relnamespace = 'public'::regnamespace and c.relname <> 'schema_migrations' and k.contype::text <> 'n'
      union all
      select 'index ' || i.relname, pg_get_indexdef(i.oid)
        from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
       where c.relnamespace = 'public'::regnamespace and c.relname <> 'schema_migrations'
      union all
      select 'trigger ' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where c.relnamespace = 'public'::regnamespace and not t.tgisinternal
      union all
      select 'sequence ' || c.relname, coalesce(c.relacl::text, '')
        from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
      union all
      select 'default acl ' || d.defaclobjtype::text, d.defaclacl::text
        from pg_default_acl d
       order by 1`),
  );
  return new Map(rows.map((r) => [r.k, r.v]));
}

/** The rows every table holds, without generated ids and timestamps: the seeds. */
export async function seedRows(db: SqlDatabase): Promise<Record<string, string[]>> {
  const tables = await db.session((s) =>
    s.query<{ t: string }>(
      "select relname as t from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relname <> 'schema_migrations' order by 1",
    ),
  );
  const out: Record<string, string[]> = {};
  for (const { t } of tables) {
    const rows = await db.session((s) => s.query<{ r: string }>(`select (to_jsonb(x) - 'id' - 'created_at' - 'updated_at')::text as r from ${t} x order by 1`));
    if (rows.length > 0) out[t] = rows.map((r) => r.r);
  }
  return out;
}
