import type { Provenance } from "#app/domain/costs";
import type { LedgerRow } from "#app/domain/langfuse";
import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for the usage ledger, model prices and budgets. The aggregates
// over them (summaries, overview, performance) are in analytics.server.ts.

/** Tokens and cost as the ledger keeps them, for one report or summed. */
export interface LedgerFigures {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  provenance: Provenance;
}

export interface UsageRecord extends LedgerFigures {
  source: "webhook" | "agent_api" | "gateway";
  run_id: string | null;
  model: string;
  price_version: number | null;
  created_at: string;
}

/** Usage summed per run for the task page. */
export interface UsageRun extends LedgerFigures {
  run_id: string | null;
  records: number;
  models: string[] | null;
  price_versions: number[] | null;
}

/** A budget (or its absence: id null) with its spend; daily is the UTC day. */
export interface BudgetStatus {
  id: string | null;
  scope: "workspace" | "agent" | "task";
  daily_limit_usd: number | null;
  total_limit_usd: number | null;
  reserve_usd: number | null;
  spent_today_usd: number;
  spent_total_usd: number;
  reserved_usd: number;
}

export type BudgetScope = BudgetStatus["scope"];

export interface BudgetLimits {
  daily: number | null;
  total: number | null;
  reserve: number | null;
  /** Whether the actor may raise a limit (approver and up); set_budget refuses a raise otherwise. */
  mayRaise: boolean;
}

export interface ModelPrice {
  id: string;
  model: string;
  version: number;
  input_usd_per_mtok: number;
  output_usd_per_mtok: number;
  cache_read_usd_per_mtok: number;
  cache_write_usd_per_mtok: number;
  included: boolean;
  effective_from: string;
  note: string;
  current: boolean;
}

export const getBudget = (db: Database, scope: BudgetScope, subjectId: string) =>
  db.rpc<BudgetStatus>("budget_status", { p_scope: scope, p_subject_id: subjectId });

export const setBudget = (db: Database, scope: BudgetScope, subjectId: string, limits: BudgetLimits, actor: Actor) =>
  db.rpc("set_budget", {
    p_scope: scope,
    p_subject_id: subjectId,
    p_daily: limits.daily,
    p_total: limits.total,
    p_reserve: limits.reserve,
    p_may_raise: limits.mayRaise,
    p_actor: actor,
  });

/** One usage report for a task (a repeat with the same source and dedupe key changes nothing). */
export const recordUsage = (
  db: Database,
  taskId: string,
  input: { source: UsageRecord["source"]; dedupeKey: string | null; runId: string | null; usage: unknown },
) => db.rpc("record_usage", { p_task_id: taskId, p_source: input.source, p_dedupe_key: input.dedupeKey, p_run_id: input.runId, p_usage: input.usage });

export const listModelPrices = (db: Database) => db.rpc<ModelPrice[]>("list_model_prices");

export const addModelPrice = (db: Database, fields: Record<string, unknown>, actor: Actor) => db.rpc("add_model_price", { p_fields: fields, p_actor: actor });

export const langfusePendingUsage = (db: Database, limit: number) => db.rpc<LedgerRow[]>("langfuse_pending_usage", { p_limit: limit });

export const markLangfuseExported = (db: Database, ids: string[]) => db.rpc("mark_langfuse_exported", { p_ids: ids });
