import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { LEGACY_MIGRATIONS } from "#app/db/legacy-ledger.server";
import { MigrationError, migrate } from "#app/db/migrations.server";
import type { SqlDatabase } from "#app/db/types";
import { TRANSPORTS, openTestDatabase, type Transport } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";
import { migrateTheOldWay, readLegacyMigrations, schemaSnapshot, seedRows } from "#tests/support/legacy-schema";
import { loadRepoSchema } from "#tests/support/schema-source";

// The baseline and the function files build the schema the old migrations
// built, except for the fixes listed here, and a database the old runner
// built is taken over as it is. Kept for one release after the baseline.

/** Every difference from the old schema, each on purpose: the fixes of the restructuring, then later changes. */
const FIXES: Record<string, string> = {
  "function agent_request_action(uuid,uuid,text,jsonb,text,text,text,integer,text,integer,text)":
    "gone: a caller could pass mode 'policy' and have its request recorded as approved",
  "function agent_request_action(uuid,uuid,text,jsonb,text,text,text,integer)": "the task's policy decides in SQL (task_gate and standing grants)",
  "function effective_autonomy(text,text,text,text)": "no agent (a null level) counts as hitl, as policy_context always read it",
  "function task_gate(uuid,text)": "gone: the gate now takes the approval action whose standing grant it honours",
  "function task_gate(uuid,text,text)": "the one gate: also reads standing grants and says why it allows (by: not_gated, autonomous or standing_grant)",
  "function dispatch_allowed(tasks)": "reads the standing grant through task_gate",
  "function enforce_done_gate()": "reads the standing grant through task_gate",
  "function create_first_admin(text,text,text,text)": "a comment in its body no longer names a migration file",
  // Changes made after the restructuring, each on purpose.
  "table users": "a user's own time zone (time_zone)",
  "constraint users.users_time_zone_check": "a user's own time zone (time_zone)",
  "function get_login_user(text)": "returns the user's time zone",
  "function touch_session(text,integer)": "returns the user's time zone",
  "function set_user_time_zone(uuid,text)": "new: a user sets their own time zone",
  "function status_label(text)": "new: a status's words, as the app shows them",
  "function task_field_label(text)": "new: a task field's words, as the app shows them",
  "function money_label(numeric)": "new: money in the app's one format",
  "function usage_figure_label(bigint,numeric)": "new: a usage figure in words",
  "function agent_set_status(uuid,uuid,text,text)": "messages in words: status and field labels, one money format",
  "function apply_approved_action(approvals)": "messages in words: status and field labels, one money format",
  "function check_budget_warnings(tasks)": "messages in words: status and field labels, one money format",
  "function complete_task(uuid,text,text,text,jsonb)": "messages in words: status and field labels, one money format",
  "function record_usage(uuid,text,text,text,jsonb)": "messages in words: status and field labels, one money format",
  "function reserve_dispatch_budget(uuid)": "messages in words: status and field labels, one money format",
  "function update_task(uuid,jsonb,jsonb)": "messages in words: status and field labels, one money format",
  "function get_workspace_feed(uuid,text,bigint,integer)": "a move is listed once",
  // Deleting a task is undoable: it is hidden while deleted_at is set, then purged.
  "function agent_list_tasks(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function agent_owned_task(uuid,uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function authenticate_agent(text)": "a deleted task's token opens nothing",
  "function claim_tasks_for_dispatch(integer,integer,uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function claim_testing_tasks(text,integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function close_veto_windows(integer)": "a deleted task's veto window waits for its restore or purge",
  "function count_dispatchable()": "a deleted task is hidden until it is purged (deleted_at)",
  "function count_pending_approvals()": "a deleted task is hidden until it is purged (deleted_at)",
  "function delete_agent(uuid,jsonb)": "deleted tasks do not hold an agent back",
  "function delete_pipeline(uuid,jsonb)": "deleted tasks go with their pipeline instead of holding it back",
  "function delete_pipeline_stage(uuid,jsonb)": "deleted tasks go with their stage instead of holding it back",
  "function delete_task(uuid,jsonb)": "a delete hides the task for the undo window (decision 031)",
  "function delete_workspace(uuid,jsonb)": "deleted tasks go with their workspace instead of holding it back",
  "function expire_approvals(integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function explain_not_dispatchable(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function find_task_by_session(text)": "a deleted task is hidden until it is purged (deleted_at)",
  "function flag_stall(uuid,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function get_board(uuid,jsonb)": "a deleted task is hidden until it is purged (deleted_at)",
  "function get_needs_you(uuid,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function get_task_by_id(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_agents(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_approvals(text,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_expired_leases(integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_pipelines(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_stalled_tasks(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_workspaces()": "a deleted task is hidden until it is purged (deleted_at)",
  "function purge_deleted_tasks(integer,integer)": "new: the end of a deleted task's undo window",
  "function request_gated_dispatches(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function request_stage_advances(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function requeue_expired_task(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function restore_task(uuid,uuid,jsonb)": "new: the undo of a delete",
  "function retry_dispatch(uuid,uuid,jsonb)": "a deleted task is hidden until it is purged (deleted_at)",
  "index tasks_deleted_at_idx": "deleted tasks, for the purge",
  "table tasks": "deleted_at: a deleted task is restorable for the undo window",
  "trigger tasks.tasks_updated_at": "a delete and its undo leave updated_at as it was",
};
/** An object's type and name without its arguments, lower case, as a FIXES key and a pg_dump header both reduce to ("trigger table.name" is pg_dump's "TRIGGER table name"). */
const objectOf = (key: string) =>
  key
    .toLowerCase()
    .replace(/\(.*$/, "")
    .replace(/^trigger (\S+)\./, "trigger $1 ");
const FIXED_OBJECTS = new Set(Object.keys(FIXES).map(objectOf));

const legacy = readLegacyMigrations();
const schema = await loadRepoSchema();

/** Keys whose values differ, or that only one side has. */
function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** `pg_dump --schema-only` of the public schema, one entry per object, keyed by pg_dump's own "Name; Type" header. */
function dumpObjects(url: string): Map<string, string> {
  const dump = execFileSync("pg_dump", ["--schema-only", "--no-owner", "--schema=public", "--exclude-table=public.schema_migrations", url], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const objects = new Map<string, string>();
  let key: string | undefined;
  for (const line of dump.split("\n")) {
    const header = /^-- Name: (.+); Type: ([^;]+); Schema:/.exec(line);
    if (header) {
      key = `${header[2]} ${header[1]}`;
      objects.set(key, "");
    } else if (key && !line.startsWith("--") && !line.startsWith("\\") && line.trim() !== "") {
      objects.set(key, `${objects.get(key)}${line}\n`);
    }
  }
  return objects;
}

describe("the legacy fixture", () => {
  it("holds exactly the files the runner recognises as the old history", () => {
    expect(legacy.map((f) => f.name)).toEqual([...LEGACY_MIGRATIONS]);
  });
});

describe.each(TRANSPORTS)("the baseline and function files against the old migrations on %s", (kind: Transport) => {
  const opened: Array<{ close(): Promise<void> }> = [];
  async function open(): Promise<{ db: SqlDatabase; url?: string }> {
    const handle = await openTestDatabase(kind, { empty: true });
    opened.push(handle);
    return handle;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((h) => h.close()));
  });

  it("build the same schema and seed rows, except for the listed fixes", async () => {
    const old = await open();
    const fresh = await open();
    await migrateTheOldWay(old.db, legacy);
    await migrate(fresh.db, schema);
    expect(differences(await schemaSnapshot(old.db), await schemaSnapshot(fresh.db))).toEqual(Object.keys(FIXES).sort());
    expect(await seedRows(fresh.db)).toEqual(await seedRows(old.db));
    if (kind === "postgres") {
      const changed = differences(dumpObjects(old.url!), dumpObjects(fresh.url!));
      expect(changed.length).toBeGreaterThan(0);
      for (const key of changed) expect(FIXED_OBJECTS.has(objectOf(key)), key).toBe(true);
    }
  }, 180_000);

  it("takes over a database the old runner built: the baseline is recorded, not run, and the result is a fresh build's", async () => {
    const old = await open();
    const fresh = await open();
    await migrateTheOldWay(old.db, legacy);
    const report = await migrate(old.db, schema);
    expect(report).toEqual({
      applied: schema.migrations.slice(1).map((m) => m.name),
      skipped: 1,
      functions: schema.functions.map((f) => f.name),
      adopted: true,
    });
    expect(await query(old.db, "select to_regclass('public.schema_migrations')::text as t")).toEqual([{ t: null }]);
    const ledger = await query<{ version: string; name: string; statements: string[] }>(
      old.db,
      "select version, name, statements from supabase_migrations.schema_migrations order by version",
    );
    expect(ledger).toEqual(schema.migrations.map((m) => ({ version: m.version, name: m.label, statements: m.statements })));
    await migrate(fresh.db, schema);
    expect(differences(await schemaSnapshot(old.db), await schemaSnapshot(fresh.db))).toEqual([]);
    if (kind === "postgres") expect(differences(dumpObjects(old.url!), dumpObjects(fresh.url!))).toEqual([]);
    // And from then on it is an ordinary database: nothing left to do.
    expect(await migrate(old.db, schema)).toEqual({ applied: [], skipped: schema.migrations.length, functions: [], adopted: false });
  }, 180_000);

  it("refuses a database the old runner left part-way, and changes nothing", async () => {
    const old = await open();
    await migrateTheOldWay(old.db, legacy.slice(0, -3));
    const error = await migrate(old.db, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      "This database was migrated by an older build and its history (public.schema_migrations) is incomplete: " +
        `3 of the ${LEGACY_MIGRATIONS.length} files the baseline replaced are missing (first: ${legacy.at(-3)!.name}). ` +
        "Start it once with a build from before the baseline so its history is complete, or export its data into a new database.",
    );
    expect(await query(old.db, "select to_regnamespace('supabase_migrations')::text as s")).toEqual([{ s: null }]);
    expect(await query<{ n: number }>(old.db, "select count(*)::int as n from public.schema_migrations")).toEqual([{ n: legacy.length - 3 }]);
  }, 180_000);
});
