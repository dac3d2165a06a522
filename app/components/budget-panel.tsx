import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { BudgetStatus } from "#app/db/costs.server";
import { formatUsd } from "#app/domain/money";
import { FormError } from "./field";
import { SubmitButton } from "./submit-button";

const usd = formatUsd;
const input = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(Number(v)));

/**
 * A budget's limits and spend, with the form to change them (intent
 * "budget"). Daily means the UTC day. Operators may set or lower; raising or
 * removing needs an approver.
 */
export function BudgetPanel({
  budget,
  title,
  canEdit,
  canRaise,
  failed,
}: {
  budget: BudgetStatus;
  title: string;
  canEdit: boolean;
  canRaise: boolean;
  failed?: { formError?: string; errors: Record<string, string>; values?: Record<string, string> } | null;
}) {
  const values = failed?.values;
  return (
    <section className="panel" aria-labelledby="budget-h" data-budget-scope={budget.scope}>
      <h2 id="budget-h">{title}</h2>
      <dl className="facts">
        <dt>Daily (UTC)</dt>
        <dd data-testid="budget-daily">
          {usd(budget.spent_today_usd)} of {usd(budget.daily_limit_usd)}
        </dd>
        <dt>Total</dt>
        <dd data-testid="budget-total">
          {usd(budget.spent_total_usd)} of {usd(budget.total_limit_usd)}
        </dd>
        <dt>Reserved</dt>
        <dd>{usd(budget.reserved_usd)} for runs under way</dd>
      </dl>
      {canEdit ? (
        <Form method="post" noValidate className="budget-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="budget" />
          <FormError message={failed?.formError} />
          <div className="form-row">
            <label>
              Daily limit (USD)
              <input
                name="daily_limit_usd"
                inputMode="decimal"
                defaultValue={values?.daily_limit_usd ?? input(budget.daily_limit_usd)}
                aria-invalid={failed?.errors.daily_limit_usd ? true : undefined}
              />
            </label>
            <label>
              Total limit (USD)
              <input
                name="total_limit_usd"
                inputMode="decimal"
                defaultValue={values?.total_limit_usd ?? input(budget.total_limit_usd)}
                aria-invalid={failed?.errors.total_limit_usd ? true : undefined}
              />
            </label>
            <label>
              Reserve per dispatch (USD)
              <input
                name="reserve_usd"
                inputMode="decimal"
                placeholder="0.50"
                defaultValue={values?.reserve_usd ?? input(budget.reserve_usd)}
                aria-invalid={failed?.errors.reserve_usd ? true : undefined}
              />
            </label>
          </div>
          {Object.entries(failed?.errors ?? {}).map(([k, m]) => (
            <p key={k} className="field-error">
              {m}
            </p>
          ))}
          <p className="muted">
            Leave both limits empty to remove the budget. The reserve is held per dispatch when the agent has no cost history yet.
            {canRaise ? "" : " You may set or lower a budget; raising or removing one needs an approver."}
          </p>
          <SubmitButton className="btn btn-small" pendingLabel="Saving…">
            Save budget
          </SubmitButton>
        </Form>
      ) : null}
    </section>
  );
}
