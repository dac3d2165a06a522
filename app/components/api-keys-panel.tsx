import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { API_KEY_EXPIRY_DAYS, API_KEY_SCOPES, SCOPE_LABELS, SCOPE_ROLE } from "#app/domain/api-keys";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import type { ApiKeysData } from "#app/routes/api-keys.server";
import { ConfirmAction } from "./confirm-action";
import { Field, FormError, SelectField } from "./field";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";
import { TokenReveal } from "./token-reveal";

// The settings page's "API keys" panel (decision 050): a new key shown once,
// the user's keys (revoked ones stay listed), and the create form. Plain
// forms: all of it works without JavaScript.

interface Failure {
  errors: Record<string, string>;
  formError?: string;
  values?: Record<string, string>;
  intent?: string;
}

const STATE_LABELS = { active: "Active", expired: "Expired", revoked: "Revoked" } as const;

export function ApiKeysPanel({
  data,
  created,
  failure,
}: {
  data: ApiKeysData;
  created: { id: string; name: string; token: string } | null;
  failure: Failure | null;
}) {
  const createFailure = failure?.intent === "create-key" ? failure : null;
  const values = createFailure?.values ?? {};
  // A fresh form after a key is made; the values sent after a refusal.
  const ticked = (scope: string) => (createFailure ? values[`scope_${scope}`] === "1" : scope === "read");
  return (
    <section className="panel" id="api-keys" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">API keys</h2>
      <p className="muted">
        Keys for scripts and tools calling the operator API under <code>/api/v1</code> as you. A key never does more than your role allows, now or after your
        role changes.
      </p>
      <p className="muted">
        Every operation, its scope and its fields: <a href="/api/docs">the API reference</a> (also as OpenAPI 3.1, <a href="/api/openapi.json">openapi.json</a>
        ).
      </p>
      {created ? (
        <TokenReveal
          token={created.token}
          heading={`API key ${created.name}`}
          testId="api-key-token"
          usage={
            <>
              Send it as <code>Authorization: Bearer …</code> to <code>/api/v1</code>.
            </>
          }
        />
      ) : null}
      {failure?.intent === "revoke-key" ? <FormError message={failure.formError} /> : null}
      {data.keys.length === 0 ? (
        <p className="empty">No API keys yet.</p>
      ) : (
        <div className="table-scroll" tabIndex={0}>
          <table className="table stack" data-testid="api-keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>State</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => (
                <tr key={k.id} data-key-id={k.id} data-state={k.state} className={k.state === "active" ? undefined : "muted"}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key">
                    <code>{k.hint}…</code>
                  </td>
                  <td data-label="Scopes">{k.scopes.join(", ")}</td>
                  <td data-label="Created">
                    <Time value={k.created_at} absolute />
                  </td>
                  <td data-label="Expires">{k.expires_at ? <Time value={k.expires_at} absolute /> : "never"}</td>
                  <td data-label="Last used">{k.last_used_at ? <Time value={k.last_used_at} /> : "never"}</td>
                  <td data-label="State">
                    {STATE_LABELS[k.state]}
                    {k.revoked_at ? (
                      <>
                        {" "}
                        <Time value={k.revoked_at} absolute />
                      </>
                    ) : null}
                  </td>
                  <td data-label="Actions">
                    {k.state === "revoked" ? null : (
                      <ConfirmAction
                        label={`Revoke ${k.name}…`}
                        warning="The key stops working at once; this cannot be undone."
                        confirmLabel={`Revoke ${k.name}`}
                        intent="revoke-key"
                        fields={{ key_id: k.id }}
                        small
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>New API key</h3>
      <Form method="post" noValidate key={created?.id ?? "new-key"}>
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="create-key" />
        <FormError message={createFailure?.formError} />
        <Field
          label="Key name"
          name="name"
          maxLength={COLUMN_LIMITS.api_keys.name}
          defaultValue={values.name ?? ""}
          error={createFailure?.errors.name}
          hint="What uses it, e.g. a deploy script."
        />
        <fieldset
          className={`field scope-choices${createFailure?.errors.scopes ? " field-invalid" : ""}`}
          aria-describedby={createFailure?.errors.scopes ? "api-key-scopes-error" : undefined}
        >
          <legend>Scopes</legend>
          {API_KEY_SCOPES.map((scope) => {
            const allowed = data.grantable.includes(scope);
            return (
              <label key={scope} className="choice">
                <input type="checkbox" name={`scope_${scope}`} value="1" defaultChecked={allowed && ticked(scope)} disabled={!allowed} /> {SCOPE_LABELS[scope]}
                {allowed ? null : <span className="muted"> (needs the {SCOPE_ROLE[scope]} role)</span>}
              </label>
            );
          })}
          {createFailure?.errors.scopes ? (
            <p id="api-key-scopes-error" className="field-error">
              {createFailure.errors.scopes}
            </p>
          ) : null}
        </fieldset>
        <SelectField
          label="Expires"
          name="expires_in_days"
          options={[{ value: "", label: "Never" }, ...API_KEY_EXPIRY_DAYS.map((d) => ({ value: String(d), label: `In ${d} days` }))]}
          defaultValue={values.expires_in_days ?? "90"}
          error={createFailure?.errors.expires_in_days}
        />
        <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
          Create API key
        </SubmitButton>
      </Form>
    </section>
  );
}
