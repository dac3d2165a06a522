import type { Actor } from "#app/db/actor";
import { type BudgetScope, setBudget } from "#app/db/costs.server";
import type { Database } from "#app/db/types";
import { budgetSchema } from "#app/domain/forms/costs";
import { parseForm } from "#app/domain/forms/parse";
import { type Role, roleAtLeast } from "#app/domain/roles";
import { budgetSavedMessage } from "#app/domain/toast";
import { invalidForm } from "../http/page-errors.server";

// The budget form on the workspace settings, agent and task pages. Who may
// raise is decided here by role (approver and up) and enforced in set_budget,
// which also audits the change (docs/decisions/008-budgets-and-reservations.md).

/** Parses and saves the form; a refusal comes back as a form error (the caller maps AppError). */
export async function saveBudget(db: Database, user: { role: Role }, actor: Actor, scope: BudgetScope, subjectId: string, form: FormData) {
  const parsed = parseForm(form, budgetSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "budget");
  await setBudget(
    db,
    scope,
    subjectId,
    {
      daily: parsed.data.daily_limit_usd,
      total: parsed.data.total_limit_usd,
      reserve: parsed.data.reserve_usd,
      mayRaise: roleAtLeast(user.role, "approver"),
    },
    actor,
  );
  return null;
}

/** The budget form's limits as saved, in words, for the toast (the form was already checked by saveBudget). */
export function budgetToast(form: FormData): string {
  const parsed = parseForm(form, budgetSchema);
  return parsed.ok ? budgetSavedMessage(parsed.data.daily_limit_usd, parsed.data.total_limit_usd) : "Budget saved.";
}
