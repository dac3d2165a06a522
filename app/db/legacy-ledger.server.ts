import type { SqlSession } from "./types";

// Databases built before the baseline (an embedded data dir or a PostgreSQL
// database migrated file by file) carry the old runner's ledger,
// public.schema_migrations(name, checksum, applied_at), listing the files the
// baseline replaced. One that lists all of them has exactly the baseline's
// tables (the schema test builds both and compares): it is recorded as having
// the baseline, the old ledger is dropped, and the runner carries on, which
// applies every function file. One that lists only some cannot be brought to
// the baseline safely, and is refused (migrations.server.ts does both).

/** The version every legacy database is recorded as having. */
export const BASELINE_VERSION = "20261201000000";

/** The files the baseline replaced, as the old ledger names them. */
export const LEGACY_MIGRATIONS: readonly string[] = [
  "20261125000100_base_helpers.sql",
  "20261125000200_workspaces.sql",
  "20261125000300_users_and_sessions.sql",
  "20261125000400_agents.sql",
  "20261125000500_tasks.sql",
  "20261125000600_events.sql",
  "20261125000700_workspace_functions.sql",
  "20261125000800_agent_functions.sql",
  "20261125000900_task_functions.sql",
  "20261125001000_auth_functions.sql",
  "20261125001100_event_functions.sql",
  "20261125001200_agent_plane_tables.sql",
  "20261125001300_dispatch_functions.sql",
  "20261125001400_completion_and_usage.sql",
  "20261125001500_agent_api_functions.sql",
  "20261125001600_heartbeat_functions.sql",
  "20261125001700_planning_functions.sql",
  "20261125001800_task_detail_with_dispatch.sql",
  "20261125001900_rate_limits.sql",
  "20261125002000_user_admin_functions.sql",
  "20261125004000_approval_decisions.sql",
  "20261125005000_audit_log.sql",
  "20261125006000_task_types_and_policy.sql",
  "20261125006100_gated_dispatch_and_done.sql",
  "20261125009000_ping_and_heartbeat_lease.sql",
  "20261125010000_model_prices_and_ledger.sql",
  "20261125010100_budgets_and_reservations.sql",
  "20261125010200_cost_on_task_views.sql",
  "20261125011000_analytics_indexes.sql",
  "20261125011100_cost_summaries.sql",
  "20261125011200_agent_performance.sql",
  "20261125012000_pipelines.sql",
  "20261125012100_pipeline_templates.sql",
  "20261125012200_pipeline_advance.sql",
  "20261125012300_pipeline_gates.sql",
  "20261125013000_board_read_indexes.sql",
  "20261125013100_workspace_nav.sql",
  "20261125013200_events_without_global_lock.sql",
  "20261125013300_task_ref.sql",
  "20261125013400_heartbeat_stall_index.sql",
  "20261125014000_standing_grants.sql",
  "20261125014100_langfuse_export.sql",
  "20261125015000_events_announced_after_commit.sql",
  "20261125015100_agent_write_path.sql",
  "20261125015200_settled_events_without_details.sql",
  "20261125016000_governance_guard_and_audit.sql",
  "20261125016050_supervision_settings_guard.sql",
  "20261125016100_one_usage_figure_per_run.sql",
  "20261125016200_testing_claims.sql",
  "20261125016400_shared_login_limits_and_setup_links.sql",
];

export type LegacyLedger = { kind: "none" } | { kind: "complete" } | { kind: "partial"; missing: string[]; unknown: string[] };

/** What the old runner's ledger says, if the database has one. */
export async function readLegacyLedger(s: SqlSession): Promise<LegacyLedger> {
  const [found] = await s.query<{ t: string | null }>("select to_regclass('public.schema_migrations')::text as t");
  if (!found?.t) return { kind: "none" };
  const names = new Set((await s.query<{ name: string }>("select name from public.schema_migrations")).map((r) => r.name));
  const missing = LEGACY_MIGRATIONS.filter((n) => !names.has(n));
  const unknown = [...names].filter((n) => !LEGACY_MIGRATIONS.includes(n)).sort();
  return missing.length === 0 && unknown.length === 0 ? { kind: "complete" } : { kind: "partial", missing, unknown };
}
