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
  "function get_workspace_feed(uuid,text,bigint,integer)": "a move is listed once",
  "function list_heartbeat_runs(integer)": "each action names its task by title and workspace",
  "function audit_entry_workspace(jsonb)": "new: the workspace an audit entry concerns, for the audit page's filter and links",
  "function audit_actor_key(jsonb)": "new: who acted, as the audit page's filter key",
  "function search_audit_log(jsonb,bigint,integer,text)": "new: the audit page's filtered, named read",
  "function audit_log_facets()": "new: the audit page's filter choices",
  "function agent_work(uuid,integer,integer)": "new: an agent's tasks and recent runs, for its page",
  "function agent_page(uuid,integer,integer,integer)": "new: the agent page's one read (current runs, tasks with outcome, cycle time and cost)",
  "function task_first_start_at(uuid,timestamp with time zone)": "new: a task's first start, for cycle time (one definition for analytics and the agent page)",
  "function task_done_by_agent(uuid,timestamp with time zone)": "new: whether the agent finished a done task (one definition for analytics and the agent page)",
  "function agent_performance(uuid,integer,timestamp with time zone,integer)":
    "only work an agent reported complete is its completion; people's completions apart",
  // The board: a manual order, filters, labels, the list view and saved views.
  "table tasks": "a manual order (rank) and labels; deleted_at: a deleted task is restorable for the undo window",
  "constraint tasks.tasks_labels_check": "labels: at most 10, none null",
  "index tasks_board_rank_idx": "open lanes read in rank order",
  "index tasks_labelled_idx": "the label list reads only labelled tasks",
  "table exec_requests": "new: every exec approval request and its decision (decision 043)",
  "table task_types": "exec_allowlist: the command patterns an autonomous agent may run (decision 043)",
  "constraint task_types.task_types_exec_allowlist_check": "an allowlist: at most 50 patterns, one line each",
  "function exec_action(text)": "the approval action of one exact command",
  "function exec_allowlisted(text[],text)": "whether a command matches a task type's allowlist",
  "function exec_gate(uuid,text)": "the policy decision for a command",
  "function exec_request_json(exec_requests)": "an exec request as the app reads it",
  "function list_task_exec_requests(uuid,integer)": "a task's commands",
  "function list_task_types()": "lists the exec allowlist too",
  "function mark_exec_resolved(uuid,text)": "the gateway took an exec decision",
  "function record_exec_request(jsonb,timestamp with time zone,integer)": "records and decides an exec request",
  "function settle_exec_requests(integer)": "exec decisions due to the gateway",
  "function update_task_type(uuid,jsonb,jsonb)": "edits the exec allowlist too",
  "index exec_requests_approval_idx": "an exec request by its approval",
  "index exec_requests_gateway_request_id_key": "one record per gateway request: replays find it",
  "index exec_requests_pkey": "new: exec requests",
  "index exec_requests_task_idx": "a task's commands",
  "index exec_requests_unresolved_idx": "exec decisions still due to the gateway",
  "constraint exec_requests.exec_requests_agent_id_fkey": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_approval_id_fkey": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_command_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_cwd_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_decision_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_decision_reason_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_digest_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_gate_by_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_gate_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_gateway_agent_id_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_gateway_request_id_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_gateway_request_id_key": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_host_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_pkey": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_resolve_error_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_run_id_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_tool_call_id_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_session_key_check": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_task_id_fkey": "new: exec requests (decision 043)",
  "constraint exec_requests.exec_requests_workspace_id_fkey": "new: exec requests (decision 043)",
  "table task_dependencies": 'new: "blocked by" links between tasks (decision 044)',
  "constraint tasks.tasks_parent_id_fkey": "a subtask's parent (decision 044)",
  "function add_task_dependency(uuid,uuid,jsonb)": "a task waits on another, never in a cycle",
  "function agent_add_dependency(uuid,uuid,uuid)": "an agent links its task",
  "function agent_create_subtask(uuid,uuid,jsonb)": "an agent splits its task",
  "function get_task_links(uuid)": "a task's dependencies and subtasks",
  "function linked_task(tasks,uuid,text)": "a linked task is of the same workspace",
  "function remove_task_dependency(uuid,uuid,jsonb)": "a task no longer waits on another",
  "function set_task_parent(uuid,uuid,jsonb)": "a subtask's parent, never in a cycle",
  "function refuse_link_cycle(uuid[],text)": "a link that would close a cycle, refused with the chain",
  "function task_is_blocked(uuid)": "a task waits on an open one: not dispatched",
  "function task_link_json(tasks)": "a linked task as the page shows it",
  "index task_dependencies_blocker_idx": "what a task blocks",
  "index task_dependencies_pkey": "new: task dependencies",
  "index tasks_parent_idx": "a task's subtasks",
  "constraint task_dependencies.task_dependencies_blocked_by_id_fkey": "new: task dependencies (decision 044)",
  "constraint task_dependencies.task_dependencies_created_by_name_check": "new: task dependencies (decision 044)",
  "constraint task_dependencies.task_dependencies_created_by_type_check": "new: task dependencies (decision 044)",
  "constraint task_dependencies.task_dependencies_not_self": "new: task dependencies (decision 044)",
  "constraint task_dependencies.task_dependencies_pkey": "new: task dependencies (decision 044)",
  "constraint task_dependencies.task_dependencies_task_id_fkey": "new: task dependencies (decision 044)",
  "table installation_controls": "the emergency stop (decision 035)",
  "index installation_controls_pkey": "the emergency stop: one row",
  "function dispatch_halt(tasks)": "the stop controls hold dispatch (decision 035)",
  "function get_stop_controls(uuid)": "the stop controls the header and forms show",
  "function live_run_json(tasks)": "a run a stop control aborts",
  "function record_run_abort(uuid,text,boolean,text,jsonb)": "an abort on its task's activity",
  "function set_agent_paused(uuid,boolean,boolean,uuid)": "an agent's pause",
  "function set_emergency_stop(boolean,text,uuid)": "the emergency stop",
  "function set_workspace_paused(uuid,boolean,boolean,uuid)": "a workspace's pause",
  "function stop_control_user(uuid,text,text)": "who may use a stop control",
  "constraint installation_controls.installation_controls_pkey": "the emergency stop: one row",
  "constraint installation_controls.installation_controls_id_check": "the emergency stop: one row",
  "constraint installation_controls.installation_controls_emergency_stop_reason_check": "the emergency stop's reason: at most 500 characters",
  "constraint installation_controls.installation_controls_emergency_stop_by_fkey": "who set the emergency stop",
  "table agents": "paused_at, paused_by: an agent's pause (decision 035)",
  "constraint workspaces.workspaces_paused_by_fkey": "who paused the workspace",
  "constraint agents.agents_paused_by_fkey": "who paused the agent",
  "index tasks_rank_idx": "a new task goes above the workspace's first card",
  "index tasks_labels_idx": "the label filter",
  "table saved_views": "new: each user's saved views",
  "constraint saved_views.saved_views_name_check": "new: each user's saved views",
  "constraint saved_views.saved_views_name_key": "new: each user's saved views",
  "constraint saved_views.saved_views_pkey": "new: each user's saved views",
  "constraint saved_views.saved_views_query_check": "new: each user's saved views",
  "constraint saved_views.saved_views_user_id_fkey": "new: each user's saved views",
  "constraint saved_views.saved_views_workspace_id_fkey": "new: each user's saved views",
  "index saved_views_name_key": "new: each user's saved views",
  "index saved_views_pkey": "new: each user's saved views",
  "function get_board(uuid,jsonb)": "gone: replaced by get_board(uuid,jsonb,jsonb)",
  "function get_board(uuid,jsonb,jsonb)": "takes a filter; open lanes in rank order; names the cards past each lane; hides deleted tasks",
  "function task_card_json(tasks,agents)": "a card has its labels",
  "function create_task(uuid,jsonb,jsonb)": "labels; a new task goes to the top of its lane",
  "function update_task(uuid,jsonb,jsonb)": "messages in words: status and field labels, one money format; labels; a place in the lane (before)",
  "function agent_get_task(uuid,uuid)": "the agent reads the task's labels",
  "function agent_list_tasks(uuid)": "the agent reads the task's labels; a deleted task is hidden until it is purged (deleted_at)",
  "function lane_rank(uuid,text,uuid,uuid)": "new: the rank that places a card in a lane",
  "function task_labels(jsonb)": "new: labels normalised and checked",
  "function status_position(text)": "new: a status's place in the board's order",
  "function due_day(timestamp with time zone,text)": "new: a due date's day for a reader",
  "function search_patterns(text)": "new: the board's search as ILIKE patterns",
  "function task_matches(tasks,jsonb,text[],date)": "new: the board's filter",
  "function filter_today(jsonb)": "new: the reader's today for the due filters",
  "function list_tasks(uuid,jsonb,text,text,integer,integer)": "new: the list view",
  "function list_task_labels(uuid)": "new: the labels in use, for the filter",
  "function list_saved_views(uuid,uuid)": "new: each user's saved views",
  "function save_view(uuid,uuid,text,text)": "new: each user's saved views",
  "function delete_saved_view(uuid,uuid,uuid)": "new: each user's saved views",
  "table task_uploads": "new: files an operator attaches to a task for its agent",
  "index task_uploads_task_idx": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_path_check": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_size_bytes_check": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_sha256_check": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_uploaded_by_name_check": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_pkey": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_task_id_path_key": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_task_id_fkey": "new: files an operator attaches to a task for its agent",
  "constraint task_uploads.task_uploads_uploaded_by_fkey": "new: files an operator attaches to a task for its agent",
  "index task_uploads_pkey": "new: files an operator attaches to a task for its agent",
  "index task_uploads_task_id_path_key": "new: files an operator attaches to a task for its agent",
  "function task_upload_json(task_uploads)": "new: an attached file as the app reads it",
  "function list_task_uploads(uuid)": "new: a task's attached files",
  "function add_task_upload(uuid,text,bigint,text,uuid)": "new: an operator attaches a file (audited)",
  "function delete_task_upload(uuid,uuid,uuid)": "new: an attached file is removed by its uploader or an admin (audited)",
  "function dispatch_extras(tasks)": "the dispatch message lists the files an operator attached",
  "function get_task_checks(uuid)": "new: the task page shows each deliverable check's result and reason",
  "function list_task_approvals(uuid)": "new: the task page shows the requests waiting on the task",
  "table workspaces": "a workspace's own allowed hosts for URL deliverables (url_allowlist); paused_at, paused_by: its pause (decision 035)",
  "constraint workspaces.workspaces_url_allowlist_check": "a workspace's own allowed hosts for URL deliverables (url_allowlist)",
  "function set_workspace_url_allowlist(uuid,jsonb,uuid)": "new: an admin sets a workspace's allowed hosts (audited)",
  "function workspace_url_allowlist(uuid)": "new: a workspace's allowed hosts",
  "function claim_testing_tasks(text,integer,integer)":
    "hands the testing stage each task's workspace allowed hosts; a deleted task is hidden until it is purged (deleted_at)",
  "function finish_testing(uuid,text,jsonb,text)": "the bounce-back activity says which checks failed and why",
  "function search_tasks(uuid,text,integer)": "new: the command palette's task search by title",
  // Deleting a task is undoable: it is hidden while deleted_at is set, then purged.
  "function agent_owned_task(uuid,uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function authenticate_agent(text)": "a deleted task's token opens nothing",
  "function claim_tasks_for_dispatch(integer,integer,uuid)": "a deleted task is hidden until it is purged (deleted_at)",
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
  "function get_needs_you(uuid,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function get_task_by_id(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_agents(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_approvals(text,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_expired_leases(integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_pipelines(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_stalled_tasks(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function list_workspaces()": "a deleted task is hidden until it is purged (deleted_at); each card's spend (decision 042)",
  "function purge_deleted_tasks(integer,integer)": "new: the end of a deleted task's undo window",
  "function request_gated_dispatches(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function request_stage_advances(integer,integer)": "a deleted task is hidden until it is purged (deleted_at)",
  "function requeue_expired_task(uuid)": "a deleted task is hidden until it is purged (deleted_at)",
  "function restore_task(uuid,uuid,jsonb)": "new: the undo of a delete",
  "function retry_dispatch(uuid,uuid,jsonb)": "a deleted task is hidden until it is purged (deleted_at)",
  "index tasks_deleted_at_idx": "deleted tasks, for the purge",
  "trigger tasks.tasks_updated_at": "a delete and its undo leave updated_at as it was",
  "function note_session_activity(text)": "new: a task's agent session moved on (session.updated, for the live transcript)",
};
/** Seed rows added since the restructuring, by table: which rows they are, and why. */
const SEED_ADDITIONS: Record<string, { reason: string; added: (row: string) => boolean }> = {
  model_prices: {
    reason: "the priced models of OpenClaw 2026.9.6's catalog (docs/decisions/033-pages-people-read.md)",
    added: (row) => row.includes('"note": "OpenClaw 2026.9.6 model catalog'),
  },
};
/** Columns added since the restructuring to tables with seed rows, with the text their default adds to each row, and why. */
const SEED_COLUMNS_ADDED: Record<string, { reason: string; text: string }> = {
  task_types: { reason: "exec_allowlist, empty for every seeded type (decision 043)", text: '"exec_allowlist": [], ' },
};
/** An object's type and name without its arguments, lower case, as a FIXES key and a pg_dump header both reduce to. */
const objectOf = (key: string) =>
  key
    .toLowerCase()
    .replace(/\(.*$/, "")
    // pg_dump names a table's constraint "CONSTRAINT t c" (a foreign key "FK CONSTRAINT t c"), the catalog list "constraint t.c".
    .replace(/^fk constraint /, "constraint ")
    // A table's row-level security is part of its catalog entry.
    .replace(/^row security /, "table ")
    .replace(/^(constraint [^ .]+)\./, "$1 ")
    // pg_dump names a trigger "TRIGGER table name", the catalog list "trigger table.name".
    .replace(/^trigger (\S+)\./, "trigger $1 ");
const FIXED_OBJECTS = new Set(Object.keys(FIXES).map(objectOf));
/** A column's NOT NULL is part of its table's entry; PostgreSQL 18 also lists it as a constraint of its own, PGlite does not. */
const notNullConstraint = (key: string) => /^constraint [^.]+\.[^ ]+_not_null$/.test(key);

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
      // A session SET (default_tablespace…) falls under whichever object precedes the first table: it belongs to none.
    } else if (key && !line.startsWith("--") && !line.startsWith("\\") && !line.startsWith("SET ") && line.trim() !== "") {
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
    expect(differences(await schemaSnapshot(old.db), await schemaSnapshot(fresh.db)).filter((k) => !notNullConstraint(k))).toEqual(Object.keys(FIXES).sort());
    const freshSeeds = await seedRows(fresh.db);
    for (const [table, { reason, added }] of Object.entries(SEED_ADDITIONS)) {
      expect(freshSeeds[table]?.some(added), `${table}: ${reason}`).toBe(true);
      freshSeeds[table] = freshSeeds[table]!.filter((row) => !added(row));
    }
    for (const [table, { reason, text }] of Object.entries(SEED_COLUMNS_ADDED)) {
      expect(
        freshSeeds[table]?.every((row) => row.includes(text)),
        `${table}: ${reason}`,
      ).toBe(true);
      freshSeeds[table] = freshSeeds[table]!.map((row) => row.replace(text, ""));
    }
    expect(freshSeeds).toEqual(await seedRows(old.db));
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
      newer: [],
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
    expect(await migrate(old.db, schema)).toEqual({ applied: [], skipped: schema.migrations.length, functions: [], adopted: false, newer: [] });
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
