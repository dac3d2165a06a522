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
  "function touch_session(text,integer)": "returns the user's time zone, and when the session now expires (decision 056)",
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
  "constraint task_comment_mentions.task_comment_mentions_agent_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_comment_id_agent_id_key": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_comment_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_comment_id_user_id_key": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_delivery_check": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_handle_check": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_one_target": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_pkey": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_run_id_check": "new: comments on tasks (decision 045)",
  "constraint task_comment_mentions.task_comment_mentions_user_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comment_revisions.task_comment_revisions_body_check": "new: comments on tasks (decision 045)",
  "constraint task_comment_revisions.task_comment_revisions_comment_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comment_revisions.task_comment_revisions_pkey": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_author_agent_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_author_name_check": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_author_type_check": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_author_user_id_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_body_check": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_body_present": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_in_reply_to_fkey": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_one_author": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_pkey": "new: comments on tasks (decision 045)",
  "constraint task_comments.task_comments_task_id_fkey": "new: comments on tasks (decision 045)",
  "function add_comment_mentions(task_comments,uuid,jsonb,jsonb)": "a comment's mentions recorded, users told",
  "function agent_create_comment(uuid,uuid,text,jsonb,uuid)": "an agent comments on its task",
  "function agent_delete_comment(uuid,uuid,uuid)": "an agent deletes its own comment",
  "function agent_edit_comment(uuid,uuid,uuid,text,jsonb)": "an agent edits its own comment",
  "function agent_list_comments(uuid,uuid)": "an agent reads its task's comments",
  "function agent_mention_handle(text)": "the handle an agent is mentioned by",
  "function check_comment_body(text)": "a comment is not blank nor too long",
  "function comment_json(task_comments)": "a comment as pages and agents read it",
  "function comment_mention_json(task_comment_mentions)": "a mention and what became of it",
  "function commented_task(uuid,uuid)": "a comment goes on a live task of the workspace",
  "function create_task_comment(uuid,uuid,text,jsonb,uuid,jsonb)": "a comment with its mentions and events",
  "function delete_task_comment(uuid,uuid,uuid,jsonb)": "a comment deleted, a tombstone left",
  "function edit_task_comment(uuid,uuid,uuid,text,jsonb,jsonb)": "a comment edited, its old text kept",
  "function list_task_comments(uuid)": "a task's comments with their history",
  "function mark_mention_delivered(uuid,text)": "a mention reached a running session",
  "function mark_mentions_dispatched(jsonb,text)": "queued mentions went with a dispatch",
  "function own_comment(uuid,uuid,uuid,jsonb)": "only its author changes a comment",
  "function queued_mentions_for(uuid,uuid)": "mentions waiting for the next dispatch",
  "function resolve_comment_mentions(uuid,jsonb)": "mentions name known agents and users",
  "index task_comment_mentions_comment_id_agent_id_key": "new: comments on tasks (decision 045)",
  "index task_comment_mentions_comment_id_user_id_key": "new: comments on tasks (decision 045)",
  "index task_comment_mentions_pkey": "new: comments on tasks (decision 045)",
  "index task_comment_mentions_queued_idx": "new: comments on tasks (decision 045)",
  "index task_comment_mentions_user_idx": "new: comments on tasks (decision 045)",
  "index task_comment_revisions_comment_idx": "new: comments on tasks (decision 045)",
  "index task_comment_revisions_pkey": "new: comments on tasks (decision 045)",
  "index task_comments_pkey": "new: comments on tasks (decision 045)",
  "index task_comments_task_idx": "new: comments on tasks (decision 045)",
  "sequence task_comment_revisions_id_seq": "new: comments on tasks (decision 045)",
  "table task_comment_mentions": "new: comments on tasks (decision 045)",
  "table task_comment_revisions": "new: comments on tasks (decision 045)",
  "table task_comments": "new: comments on tasks (decision 045)",
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
  "constraint routine_runs.routine_runs_once": "new: routine runs (decision 046)",
  "constraint routine_runs.routine_runs_outcome_check": "new: routine runs (decision 046)",
  "constraint routine_runs.routine_runs_pkey": "new: routine runs (decision 046)",
  "constraint routine_runs.routine_runs_routine_id_fkey": "new: routine runs (decision 046)",
  "constraint routine_runs.routine_runs_skipped_before_check": "new: routine runs (decision 046)",
  "constraint routine_runs.routine_runs_task_id_fkey": "new: routine runs (decision 046)",
  "constraint routines.routines_name_check": "new: routines (decision 046)",
  "constraint routines.routines_pkey": "new: routines (decision 046)",
  "constraint routines.routines_schedule_check": "new: routines (decision 046)",
  "constraint routines.routines_template_id_fkey": "new: routines (decision 046)",
  "constraint routines.routines_time_zone_check": "new: routines (decision 046)",
  "constraint routines.routines_workspace_id_fkey": "new: routines (decision 046)",
  "constraint task_templates.task_templates_assigned_agent_id_fkey": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_description_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_labels_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_name_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_pkey": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_priority_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_status_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_task_type_id_fkey": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_title_check": "new: task templates (decision 046)",
  "constraint task_templates.task_templates_workspace_id_fkey": "new: task templates (decision 046)",
  "function check_routine_fields(uuid,jsonb,timestamp with time zone)": "new: task templates and routines (decision 046)",
  "function check_template_fields(uuid,jsonb)": "new: task templates and routines (decision 046)",
  "function create_routine(uuid,jsonb,timestamp with time zone,jsonb)": "new: task templates and routines (decision 046)",
  "function create_task_template(uuid,jsonb,jsonb)": "new: task templates and routines (decision 046)",
  "function delete_routine(uuid,jsonb)": "new: task templates and routines (decision 046)",
  "function delete_task_template(uuid,jsonb)": "new: task templates and routines (decision 046)",
  "function get_routine(uuid,integer)": "new: task templates and routines (decision 046)",
  "function get_task_template(uuid)": "new: task templates and routines (decision 046)",
  "function list_due_routines(integer)": "new: task templates and routines (decision 046)",
  "function list_routines(uuid)": "new: task templates and routines (decision 046)",
  "function list_task_templates(uuid)": "new: task templates and routines (decision 046)",
  "function routine_json(routines)": "new: task templates and routines (decision 046)",
  "function run_routine(uuid,timestamp with time zone,timestamp with time zone,jsonb,integer,timestamp with time zone)":
    "new: task templates and routines (decision 046)",
  "function set_routine_paused(uuid,boolean,timestamp with time zone,jsonb)": "new: task templates and routines (decision 046)",
  "function task_template_json(task_templates)": "new: task templates and routines (decision 046)",
  "function update_routine(uuid,jsonb,timestamp with time zone,jsonb)": "new: task templates and routines (decision 046)",
  "function update_task_template(uuid,jsonb,jsonb)": "new: task templates and routines (decision 046)",
  "index routine_runs_once": "new: routine runs (decision 046)",
  "index routine_runs_pkey": "new: routine runs (decision 046)",
  "index routines_due_idx": "new: routines (decision 046)",
  "index routines_pkey": "new: routines (decision 046)",
  "index routines_template_idx": "new: routines (decision 046)",
  "index routines_workspace_idx": "new: routines (decision 046)",
  "index task_templates_pkey": "new: task templates (decision 046)",
  "index task_templates_workspace_idx": "new: task templates (decision 046)",
  "table routine_runs": "new: one row per routine occurrence, created or skipped (decision 046)",
  "table routines": "new: routines, a template on a cron schedule (decision 046)",
  "table task_templates": "new: reusable task templates (decision 046)",
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
  // Several gateways (decision 052).
  "constraint agents.agents_gateway_id_fkey": "new: an agent's gateway (decision 052)",
  "constraint gateways.gateways_name_check": "new: registered gateways (decision 052)",
  "constraint gateways.gateways_pkey": "new: registered gateways (decision 052)",
  "constraint gateways.gateways_token_ciphertext_check": "new: registered gateways (decision 052)",
  "constraint gateways.gateways_url_check": "new: registered gateways, ws:// or wss:// only (decision 052)",
  "function agent_gateway(uuid)": "new: which gateway an agent's runs go to (decision 052)",
  "function agent_json(agents)": "an agent says its gateway (decision 052)",
  "function check_gateway_fields(uuid,text,text)": "new: a gateway's name and URL checked in SQL (decision 052)",
  "function claim_tasks_for_dispatch(integer,integer,uuid,jsonb,boolean)": "claims only tasks whose agent's gateway is connected (decision 052)",
  "function create_agent(uuid,jsonb,text,text,jsonb)": "an agent is created on a gateway (decision 052)",
  "function create_gateway(text,text,text,jsonb)": "new: registered gateways (decision 052)",
  "function delete_gateway(uuid,jsonb)": "new: registered gateways (decision 052)",
  "function gateway_json(gateways)": "new: registered gateways (decision 052)",
  "function list_gateway_connections()": "new: what the gateway registry connects to (decision 052)",
  "function list_gateways()": "new: registered gateways (decision 052)",
  "function task_gateway(uuid)": "new: which gateway a task's runs go to (decision 052)",
  "function update_agent(uuid,jsonb,jsonb)": "an agent moves to another gateway (decision 052)",
  "function update_gateway(uuid,text,text,text,jsonb)": "new: registered gateways (decision 052)",
  "index agents_gateway_idx": "new: the agents of a gateway (decision 052)",
  "index gateways_name_key": "new: one gateway per name, ignoring case (decision 052)",
  "index gateways_pkey": "new: registered gateways (decision 052)",
  "table gateways": "new: registered OpenClaw gateways, tokens encrypted by the app (decision 052)",
  // Web Push (decision 048): the devices a user is notified on.
  "table push_subscriptions": "new: Web Push subscriptions, the devices a user is notified on (decision 048)",
  "index push_subscriptions_pkey": "new: Web Push subscriptions (decision 048)",
  "index push_subscriptions_endpoint_key": "new: one owner per push endpoint (decision 048)",
  "index push_subscriptions_user_idx": "new: a user's devices (decision 048)",
  "constraint push_subscriptions.push_subscriptions_pkey": "new: Web Push subscriptions (decision 048)",
  "constraint push_subscriptions.push_subscriptions_user_id_fkey": "new: Web Push subscriptions (decision 048)",
  "constraint push_subscriptions.push_subscriptions_endpoint_check": "new: Web Push subscriptions (decision 048)",
  "constraint push_subscriptions.push_subscriptions_p256dh_check": "new: Web Push subscriptions (decision 048)",
  "constraint push_subscriptions.push_subscriptions_auth_check": "new: Web Push subscriptions (decision 048)",
  "constraint push_subscriptions.push_subscriptions_user_agent_check": "new: Web Push subscriptions (decision 048)",
  "function push_subscription_json(push_subscriptions)": "new: a push subscription as JSON (decision 048)",
  "function save_push_subscription(uuid,text,text,text,text)": "new: a user saves this device for Web Push (decision 048)",
  "function remove_push_subscription(uuid,uuid,text)": "new: a user removes a device (decision 048)",
  "function mark_push_subscription_expired(text)": "new: the push service said the endpoint is gone (decision 048)",
  "function record_push_success(text)": "new: the push service accepted a message (decision 048)",
  "function list_push_subscriptions(uuid)": "new: a user's active devices (decision 048)",
  "function get_push_subscription(uuid,uuid)": "new: one of a user's devices (decision 048)",
  "function get_approval(uuid)": "new: one approval for its own page, which a push notification opens (decision 048)",
  // GitHub issues as tasks, comments back when done (decision 053).
  "constraint github_comment_outbox.github_comment_outbox_issue_number_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_comment_outbox.github_comment_outbox_pkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_comment_outbox.github_comment_outbox_status_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_comment_outbox.github_comment_outbox_task_id_fkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_comment_outbox.github_comment_outbox_workspace_id_fkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_label_types_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_pkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_repository_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_repository_shape": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_token_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_webhook_secret_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_integrations.github_integrations_workspace_id_fkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_issue_links.github_issue_links_issue_number_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_issue_links.github_issue_links_issue_url_check": "new: GitHub issues as tasks (decision 053)",
  "constraint github_issue_links.github_issue_links_pkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_issue_links.github_issue_links_task_id_fkey": "new: GitHub issues as tasks (decision 053)",
  "constraint github_issue_links.github_issue_links_workspace_id_fkey": "new: GitHub issues as tasks (decision 053)",
  "function apply_github_issue_event(uuid,text,text,jsonb,integer)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function claim_github_comments(text,integer,integer)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function delete_github_integration(uuid,uuid)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function enqueue_github_done_comment()": "new: GitHub issues as tasks and comments back (decision 053)",
  "function finish_github_comment(uuid,text,boolean,integer,text,numeric,text)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function get_github_integration(uuid)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function github_integration_for_repository(text)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function github_integration_json(github_integrations)": "new: GitHub issues as tasks and comments back (decision 053)",
  "function save_github_integration(uuid,uuid,jsonb)": "new: GitHub issues as tasks and comments back (decision 053)",
  "index github_comment_outbox_due_idx": "new: GitHub issues as tasks (decision 053)",
  "index github_comment_outbox_pkey": "new: GitHub issues as tasks (decision 053)",
  "index github_comment_outbox_task_idx": "new: GitHub issues as tasks (decision 053)",
  "index github_integrations_pkey": "new: GitHub issues as tasks (decision 053)",
  "index github_integrations_repository_key": "new: GitHub issues as tasks (decision 053)",
  "index github_issue_links_issue_key": "new: GitHub issues as tasks (decision 053)",
  "index github_issue_links_pkey": "new: GitHub issues as tasks (decision 053)",
  "table github_comment_outbox": "new: GitHub issues as tasks (decision 053)",
  "table github_integrations": "new: GitHub issues as tasks (decision 053)",
  "table github_issue_links": "new: GitHub issues as tasks (decision 053)",
  "trigger tasks.tasks_github_done_comment": "new: GitHub issues as tasks (decision 053)",
  // Sessions remembered per instance (decision 056).
  "function announce_auth_change()": "new: an ended session or a changed user is announced on mc_auth (decision 056)",
  "trigger sessions.sessions_announce_end": "new: an ended session is announced (decision 056)",
  "trigger users.users_announce_change": "new: a changed user is announced (decision 056)",
  // Notifications (decision 047).
  "constraint notification_channels.notification_channels_kind_check": "new: notifications (decision 047)",
  "constraint notification_channels.notification_channels_name_check": "new: notifications (decision 047)",
  "constraint notification_channels.notification_channels_pkey": "new: notifications (decision 047)",
  "constraint notification_channels.notification_channels_secret_check": "new: notifications (decision 047)",
  "constraint notification_channels.notification_channels_target_check": "new: notifications (decision 047)",
  "constraint notification_channels.notification_channels_user_id_fkey": "new: notifications (decision 047)",
  "constraint notification_cursor.notification_cursor_id_check": "new: notifications (decision 047)",
  "constraint notification_cursor.notification_cursor_pkey": "new: notifications (decision 047)",
  "constraint notification_deliveries.notification_deliveries_channel_id_fkey": "new: notifications (decision 047)",
  "constraint notification_deliveries.notification_deliveries_outbox_id_fkey": "new: notifications (decision 047)",
  "constraint notification_deliveries.notification_deliveries_pkey": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_channel_id_fkey": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_channel_kind_check": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_pkey": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_replay_of_fkey": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_status_check": "new: notifications (decision 047)",
  "constraint notification_outbox.notification_outbox_user_id_fkey": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_kinds_check": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_pkey": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_quiet_check": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_quiet_end_check": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_quiet_start_check": "new: notifications (decision 047)",
  "constraint notification_preferences.notification_preferences_user_id_fkey": "new: notifications (decision 047)",
  "function claim_notifications(text,integer,integer)": "new: notifications (decision 047)",
  "function create_notification_channel(uuid,text,text,text,text)": "new: notifications (decision 047)",
  "function delete_notification_channel(uuid,uuid)": "new: notifications (decision 047)",
  "function enqueue_channel_test(uuid,uuid)": "new: notifications (decision 047)",
  "function finish_notification(uuid,text,boolean,integer,text,numeric,integer,integer)": "new: notifications (decision 047)",
  "function get_notification_channel(uuid,uuid,integer)": "new: notifications (decision 047)",
  "function get_notification_settings(uuid)": "new: notifications (decision 047)",
  "function notification_channel_json(notification_channels)": "new: notifications (decision 047)",
  "function notification_due_at(text,integer,integer,text)": "new: notifications (decision 047)",
  "function notification_facts(events)": "new: notifications (decision 047)",
  "function notification_kind_of(events)": "new: notifications (decision 047)",
  "function notification_kind_urgent(text)": "new: notifications (decision 047)",
  "function notification_kinds()": "new: notifications (decision 047)",
  "function notification_user_hears(text,users,events)": "new: notifications (decision 047)",
  "function notification_destinations(uuid)": "new: where a user's notifications go, channels and Web Push devices (decisions 047, 048)",
  "function produce_notifications(integer,integer)": "new: notifications (decision 047)",
  "function record_run_failure(uuid,text,text)": "the task.updated event names the failure (alert_reason, reason), so it can notify",
  "function replay_notification_delivery(uuid,uuid)": "new: notifications (decision 047)",
  "function set_notification_preferences(uuid,jsonb,integer,integer,jsonb)": "new: notifications (decision 047)",
  "index notification_channels_pkey": "new: notifications (decision 047)",
  "index notification_channels_user_idx": "new: notifications (decision 047)",
  "index notification_cursor_pkey": "new: notifications (decision 047)",
  "index notification_deliveries_channel_idx": "new: notifications (decision 047)",
  "index notification_deliveries_outbox_idx": "new: notifications (decision 047)",
  "index notification_deliveries_pkey": "new: notifications (decision 047)",
  "index notification_outbox_channel_idx": "new: notifications (decision 047)",
  "index notification_outbox_due_idx": "new: notifications (decision 047)",
  "index notification_outbox_once_key": "new: notifications (decision 047)",
  "index notification_outbox_pkey": "new: notifications (decision 047)",
  "index notification_preferences_pkey": "new: notifications (decision 047)",
  "table notification_channels": "new: notifications (decision 047)",
  "table notification_cursor": "new: notifications (decision 047)",
  "table notification_deliveries": "new: notifications (decision 047)",
  "table notification_outbox": "new: notifications (decision 047)",
  "table notification_preferences": "new: notifications (decision 047)",
  // API keys for the operator API (decision 050).
  "table api_keys": "new: a user's API keys for the operator API (decision 050)",
  "index api_keys_pkey": "new: API keys (decision 050)",
  "index api_keys_token_hash_key": "new: one key per hash, found by it (decision 050)",
  "index api_keys_user_idx": "new: a user's keys (decision 050)",
  "constraint api_keys.api_keys_pkey": "new: API keys (decision 050)",
  "constraint api_keys.api_keys_user_id_fkey": "new: API keys (decision 050)",
  "constraint api_keys.api_keys_name_check": "new: API keys (decision 050)",
  "constraint api_keys.api_keys_token_hash_check": "new: API keys (decision 050)",
  "constraint api_keys.api_keys_hint_check": "new: API keys (decision 050)",
  "constraint api_keys.api_keys_scopes_check": "new: API keys (decision 050)",
  "function api_key_json(api_keys)": "new: an API key as its owner's page shows it (decision 050)",
  "function list_api_keys(uuid)": "new: a user's API keys (decision 050)",
  "function create_api_key(uuid,text,jsonb,timestamp with time zone,text,text)": "new: a user creates an API key (decision 050)",
  "function revoke_api_key(uuid,uuid)": "new: a user revokes an API key (decision 050)",
  "function authenticate_api_key(text)": "new: the operator API's one authentication call (decision 050)",
};

/** Seed rows added since the restructuring, by table: which rows they are, and why. */
const SEED_ADDITIONS: Record<string, { reason: string; added: (row: string) => boolean }> = {
  model_prices: {
    reason: "the priced models of OpenClaw 2026.9.6's catalog (docs/decisions/033-pages-people-read.md)",
    added: (row) => row.includes('"note": "OpenClaw 2026.9.6 model catalog'),
  },
  notification_cursor: {
    reason: "where the notifications producer starts reading the events log: the newest event when the table was made (decision 047)",
    added: (row) => row.includes('"last_seq"'),
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
      // A table made after the restructuring, whose only rows are the added ones.
      if (freshSeeds[table]!.length === 0) delete freshSeeds[table];
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
