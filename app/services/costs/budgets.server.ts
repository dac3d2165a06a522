import type { Actor, BudgetStatus } from "#app/db/rows";
import type { Database } from "#app/db/types";
import { budgetSchema } from "#app/domain/forms/costs";
import { parseForm } from "#app/domain/forms/parse";
import { type Role, roleAtLeast } from "#app/domain/roles";
import { invalidForm } from "../http/page-errors.server";

// The budget form on the workspace settings, agent and task pages. Who may
// raise is decided here by role (approver and up) and enforced in set_budget,
// which also audits the change (docs/decisions/008-budgets-and-reservations.md).

export type BudgetScope = BudgetStatus["scope"];

export const getBudget = (db: Database, scope: BudgetScope, subjectId: string) =>
  db.rpc<BudgetStatus>("budget_status", { p_scope: scope, p_subject_id: subjectId });

/** Parses and saves the form; a refusal comes back as a form error (the caller maps AppError). */
export async function saveBudget(db: Database, user: { role: Role }, actor: Actor, scope: BudgetScope, subjectId: string, form: FormData) {
  const parsed = parseForm(form, budgetSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "budget");
  await db.rpc("set_budget", {
    p_scope: scope,
    p_subject_id: subjectId,
    p_daily: parsed.data.daily_limit_usd,
    p_total: parsed.data.total_limit_usd,
    p_reserve: parsed.data.reserve_usd,
    p_may_raise: roleAtLeast(user.role, "approver"),
    p_actor: actor,
  });
  return null;
}
