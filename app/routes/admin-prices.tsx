import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { addModelPrice, listModelPrices } from "#app/db/costs.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { modelPriceSchema } from "#app/domain/forms/costs";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { FormError } from "#app/components/field";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import { formatUsdExact } from "#app/domain/money";
import { Time } from "#app/components/time";
import type { Route } from "./+types/admin-prices";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { SubmitButton } from "#app/components/submit-button";

export const meta: Route.MetaFunction = () => [{ title: "Model prices · Mission Control" }];

// The versioned price table: adding a model or a new price version inserts a
// row (never an edit) and is audited in SQL (add_model_price).
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db } = operator(context, request, "admin");
  return { prices: await listModelPrices(db) };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor } = operator(context, request, "admin");
  const form = await request.formData();
  const parsed = parseForm(form, modelPriceSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values);
  try {
    await addModelPrice(db, parsed.data, actor);
    return redirectWithToast("/admin/prices", { kind: "success", message: `Price added for ${quoted(parsed.data.model)}.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form));
    throw error;
  }
}

const usd = formatUsdExact;
const FIELDS = [
  ["input_usd_per_mtok", "Input"],
  ["output_usd_per_mtok", "Output"],
  ["cache_read_usd_per_mtok", "Cache read"],
  ["cache_write_usd_per_mtok", "Cache write"],
] as const;

export default function AdminPrices({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const values = actionData?.values ?? {};
  const errors = actionData?.errors ?? {};
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Model prices</h1>
      </div>
      <p className="muted">
        USD per million tokens. Usage without a reported cost is estimated with the version in effect when it was recorded. Names match exactly after
        lower-casing; <code>anthropic/claude-sonnet-4</code> is tried in full, then as <code>claude-sonnet-4</code>. Included models (subscriptions) count
        tokens and no dollars.
      </p>
      <section className="panel" aria-labelledby="price-add-h">
        <h2 id="price-add-h">Add a model or a new price version</h2>
        <Form method="post" noValidate className="price-form">
          <AuthenticityTokenInput />
          <FormError message={actionData?.formError} />
          <div className="form-row">
            <label>
              Model{" "}
              <input
                name="model"
                required
                maxLength={COLUMN_LIMITS.model_prices.model}
                defaultValue={values.model ?? ""}
                aria-invalid={errors.model ? true : undefined}
              />
            </label>
            {FIELDS.map(([name, label]) => (
              <label key={name}>
                {label} (USD/Mtok)
                <input name={name} inputMode="decimal" placeholder="0" defaultValue={values[name] ?? ""} aria-invalid={errors[name] ? true : undefined} />
              </label>
            ))}
            <label>
              Effective from (UTC){" "}
              <input
                name="effective_from"
                type="datetime-local"
                defaultValue={values.effective_from ?? ""}
                aria-invalid={errors.effective_from ? true : undefined}
              />
            </label>
            <label>
              Note <input name="note" maxLength={COLUMN_LIMITS.model_prices.note} defaultValue={values.note ?? ""} />
            </label>
          </div>
          <label className="choice">
            <input type="checkbox" name="included" defaultChecked={values.included === "on"} /> Included in a subscription (no dollars)
          </label>
          {Object.entries(errors).map(([k, m]) => (
            <p key={k} className="field-error">
              {k === "_form" ? m : `${k}: ${m}`}
            </p>
          ))}
          <SubmitButton className="btn btn-primary btn-small" pendingLabel="Adding…">
            Add price
          </SubmitButton>
        </Form>
      </section>
      <section className="panel" aria-labelledby="price-list-h">
        <h2 id="price-list-h">Price table</h2>
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack" data-testid="price-table">
            <thead>
              <tr>
                <th>Model</th>
                <th>Version</th>
                <th>In</th>
                <th>Out</th>
                <th>Cache r</th>
                <th>Cache w</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {loaderData.prices.map((p) => (
                <tr key={p.id} data-model={p.model} data-version={p.version} className={p.current ? undefined : "muted"}>
                  <td data-label="Model">{p.model}</td>
                  <td data-label="Version">
                    v{p.version}
                    {p.current ? " (current)" : ""}
                  </td>
                  {p.included ? (
                    <td data-label="Prices" colSpan={4}>
                      included
                    </td>
                  ) : (
                    <>
                      <td data-label="In">{usd(p.input_usd_per_mtok)}</td>
                      <td data-label="Out">{usd(p.output_usd_per_mtok)}</td>
                      <td data-label="Cache r">{usd(p.cache_read_usd_per_mtok)}</td>
                      <td data-label="Cache w">{usd(p.cache_write_usd_per_mtok)}</td>
                    </>
                  )}
                  <td data-label="From" title={p.note}>
                    <Time value={p.effective_from} absolute />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </main>
  );
}
