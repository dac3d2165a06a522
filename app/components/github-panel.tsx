import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { GithubIntegration } from "#app/db/github.server";
import { COLUMN_LIMITS, INPUT_LIMITS } from "#app/domain/field-limits";
import { labelTypesText } from "#app/domain/github";
import { ConfirmAction } from "./confirm-action";
import { Field, FormError } from "./field";
import { SavedNote } from "./saved-note";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";

/**
 * A workspace's GitHub connection (decision 053): which repository's issues
 * become tasks, the webhook's address and secret, the token that comments
 * back when a task is done, and which label makes which task type. Admins
 * edit it; everyone else reads it. A generated secret is shown once, in the
 * answer to the save that made it; the token is never shown again.
 */
export function GithubPanel(props: {
  integration: GithubIntegration | null;
  webhookUrl: string;
  taskTypeKeys: string[];
  canEdit: boolean;
  saved: boolean;
  revealed: { secret: string; repository: string } | null;
  failed: { formError?: string; errors: Record<string, string>; values?: Record<string, string> } | null;
  disconnectFailed: string | undefined;
}) {
  const { integration: g, webhookUrl, canEdit, saved, revealed, failed } = props;
  const values = failed?.values;
  return (
    <section className="panel" id="github" aria-labelledby="github-heading">
      <h2 id="github-heading">GitHub issues</h2>
      <p className="muted">
        Issues of one repository become tasks here, and a task that reaches done comments on its issue. On GitHub, add a webhook (the repository&apos;s Settings
        → Webhooks) with the address below, content type <code>application/json</code>, this secret, and the <em>Issues</em> event.
      </p>
      <dl className="facts" data-testid="github-facts">
        <dt>Webhook address</dt>
        <dd>
          <code>{webhookUrl}</code>
        </dd>
        <dt>Repository</dt>
        <dd>{g ? <code>{g.repository}</code> : "Not connected."}</dd>
        {g ? (
          <>
            <dt>Webhook secret</dt>
            <dd>{`ends in …${g.secret_hint}`}</dd>
            <dt>Token for comments</dt>
            <dd>{g.has_token ? `set, ends in …${g.token_hint}` : "none: tasks done are not reported on their issues"}</dd>
            <dt>Comments waiting</dt>
            <dd>{g.pending_comments}</dd>
          </>
        ) : null}
      </dl>
      {revealed ? (
        <div className="token-reveal" role="status" data-testid="github-secret">
          <h3>Webhook secret for {revealed.repository}</h3>
          <p>Paste it into the webhook&apos;s Secret field on GitHub now: it will not be shown again.</p>
          <pre className="token">
            <code>{revealed.secret}</code>
          </pre>
        </div>
      ) : null}
      {g && g.recent_comments.length > 0 ? (
        <>
          <h3>Latest comments</h3>
          <ul className="plain-list" data-testid="github-comments">
            {g.recent_comments.map((c) => (
              <li key={c.id}>
                #{c.issue_number} {c.title ?? ""}:{" "}
                {c.status === "sent" ? (
                  c.comment_url ? (
                    <a href={c.comment_url}>posted</a>
                  ) : (
                    "posted"
                  )
                ) : (
                  <>
                    waiting (attempt {c.attempts}
                    {c.last_error ? `, ${c.last_error}` : ""}), next <Time value={c.deliver_after} absolute />
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {canEdit ? (
        <Form method="post" noValidate preventScrollReset data-testid="github-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="github" />
          <FormError message={failed?.formError} />
          <Field
            label="Repository (owner/repo)"
            name="repository"
            error={failed?.errors.repository}
            defaultValue={values?.repository ?? g?.repository ?? ""}
            maxLength={COLUMN_LIMITS.github_integrations.repository}
            placeholder="acme/widgets"
            required
          />
          <Field
            label="Labels to task types, one a line"
            name="label_types"
            multiline
            rows={4}
            hint={`label = task type key, e.g. bug = code_change. Keys: ${props.taskTypeKeys.join(", ")}. The first of an issue's labels named here sets its task's type.`}
            error={failed?.errors.label_types}
            defaultValue={values?.label_types ?? labelTypesText(g?.label_types ?? {})}
            maxLength={INPUT_LIMITS.labelTypesField}
          />
          <Field
            label="Webhook secret"
            name="webhook_secret"
            type="password"
            autoComplete="off"
            hint={g ? "Leave empty to keep the current one." : "Leave empty to have one generated and shown once."}
            error={failed?.errors.webhook_secret}
            maxLength={COLUMN_LIMITS.github_integrations.webhook_secret}
          />
          {g ? (
            <label className="choice">
              <input type="checkbox" name="generate_secret" defaultChecked={values?.generate_secret === "on"} /> Generate a new secret (the old one stops
              working)
            </label>
          ) : null}
          <Field
            label="GitHub token for comments"
            name="token"
            type="password"
            autoComplete="off"
            hint={
              g?.has_token
                ? "Leave empty to keep the current one. It needs write access to the repository's issues."
                : "A fine-grained token with Issues: read and write. Without one, nothing is posted back."
            }
            error={failed?.errors.token}
            maxLength={COLUMN_LIMITS.github_integrations.token}
          />
          {g?.has_token ? (
            <label className="choice">
              <input type="checkbox" name="clear_token" defaultChecked={values?.clear_token === "on"} /> Remove the token
            </label>
          ) : null}
          <p>
            <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
              {g ? "Save GitHub settings" : "Connect to GitHub"}
            </SubmitButton>{" "}
            <SavedNote show={saved} />
          </p>
        </Form>
      ) : (
        <p className="muted">An admin changes this connection.</p>
      )}
      {canEdit && g ? (
        <ConfirmAction
          label="Disconnect from GitHub…"
          warning={`Deliveries from ${g.repository} are refused from now on and comments still waiting are dropped; tasks keep their links.`}
          confirmLabel="Disconnect"
          intent="github-disconnect"
          error={props.disconnectFailed}
        />
      ) : null}
    </section>
  );
}
