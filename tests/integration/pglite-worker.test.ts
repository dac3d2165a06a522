import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, type PgliteDatabase, pgliteWorkerOf } from "#app/db/pglite.server";
import { AppError } from "#app/domain/errors";

// The embedded database on its own thread (decision 057): what crosses the
// thread boundary arrives as it did when PGlite ran on the main thread
// (PostgreSQL's error fields, parsed values, notifications), and a thread that
// dies fails what was pending instead of leaving it hanging.

describe("the embedded database's thread", () => {
  let db: PgliteDatabase;
  beforeAll(async () => {
    db = await openPglite();
    await db.session((s) =>
      s.exec(`
        create table t_items (id int primary key, name text constraint t_items_name_key unique);
        create function t_refuse() returns jsonb language plpgsql as $$
        begin raise exception 'No such item' using errcode = 'P0001', hint = 'not_found', detail = '{"item":7}'; end $$;
        create function t_add(p_id int, p_name text) returns jsonb language sql as $$
          insert into t_items values (p_id, p_name) returning jsonb_build_object('id', id, 'name', name) $$;
        create function t_count() returns bigint language sql as $$ select count(*) from t_items $$;
        create function t_nothing() returns jsonb language sql as $$ select null::jsonb $$;
      `),
    );
  });
  afterAll(async () => {
    await db.close();
  });

  it("keeps a SQL error's code and fields", async () => {
    const error = (await db.session((s) => s.query("select 1 / 0")).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: "division by zero", code: "22012", severity: "ERROR" });

    await db.session((s) => s.query("insert into t_items values (1, 'one')"));
    const duplicate = (await db.session((s) => s.query("insert into t_items values (2, 'one')")).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(duplicate).toMatchObject({ code: "23505", constraint: "t_items_name_key", table: "t_items", schema: "public" });
    expect(duplicate.detail).toMatch(/already exists/);
  });

  it("maps rpc errors to app errors from the fields that crossed over", async () => {
    const refused = await db.rpc("t_refuse").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "not_found", message: "No such item", details: { item: 7 } });

    const conflict = await db.rpc("t_add", { p_id: 3, p_name: "one" }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(AppError);
    expect(conflict).toMatchObject({ code: "conflict", details: { constraint: "t_items_name_key" } });
  });

  it("gives the values PGlite gives on the main thread: jsonb, timestamps, bigint, numeric, bytea, arrays", async () => {
    expect(await db.rpc("t_add", { p_id: 4, p_name: "four" })).toEqual({ id: 4, name: "four" });
    expect(await db.rpc("t_nothing")).toBeNull();
    const sql =
      "select '2026-12-07T10:00:00Z'::timestamptz as at, '2026-12-07 10:00'::timestamp as local, 9007199254740993::int8 as big, 1.50::numeric as amount, '\\x0102'::bytea as bytes, '{\"a\":[1,true,null]}'::jsonb as doc, array[1,2] as list, null::text as nothing";
    const direct = await PGlite.create();
    try {
      const [row] = await db.session((s) => s.query<Record<string, unknown>>(sql));
      expect(row).toEqual((await direct.query(sql)).rows[0]);
      expect(row!.at).toEqual(new Date("2026-12-07T10:00:00Z"));
      expect(row!.doc).toEqual({ a: [1, true, null] });
      expect(await db.rpc("t_count")).toEqual((await direct.query<{ r: unknown }>("select 2::bigint as r")).rows[0]!.r);
    } finally {
      await direct.close();
    }
  });

  it("delivers NOTIFY payloads to main-thread listeners until they unsubscribe", async () => {
    const got: string[] = [];
    const unlisten = await db.listen("t_channel", (payload) => got.push(payload));
    await db.notify("t_channel", "first");
    await db.session((s) => s.query("select pg_notify('t_channel', 'second')"));
    await expect.poll(() => got).toEqual(["first", "second"]);
    await unlisten();
    await db.notify("t_channel", "third");
    await db.ping();
    expect(got).toEqual(["first", "second"]);
  });
});

describe("a thread that dies", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mc-pglite-worker-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rejects the pending calls and every later one, reports it once, and lets go of the data dir", async () => {
    const exits: Error[] = [];
    const db = await openPglite({ dataDir: dir, onWorkerExit: (error) => exits.push(error) });
    await db.ping();
    // A message outside the protocol makes the thread throw and die.
    pgliteWorkerOf(db)!.postMessage({ op: "explode" });
    const pending = [db.ping(), db.rpc("now"), db.session((s) => s.query("select 1"))];
    for (const call of pending) await expect(call).rejects.toThrow(/the embedded database's thread stopped \(exit code 1: pglite-worker: unknown request/);
    await expect(db.ping()).rejects.toThrow(/thread stopped/);
    expect(exits).toHaveLength(1);
    await db.close();

    // Nothing else holds the data dir: it opens again, with what was there.
    const again = await openPglite({ dataDir: dir });
    try {
      await again.ping();
    } finally {
      await again.close();
    }
  });
});
