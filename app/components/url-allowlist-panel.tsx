import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { Field, FormError } from "./field";
import { SavedNote } from "./saved-note";

/**
 * The hosts the testing stage may fetch for this workspace's URL
 * deliverables. A URL deliverable on any other host fails its check, and the
 * task page links here. Admins edit the list; everyone else reads it.
 */
export function UrlAllowlistPanel(props: {
  hosts: string[];
  instanceHosts: string[];
  canEdit: boolean;
  saved: boolean;
  failed: { formError?: string; errors: Record<string, string>; values?: Record<string, string> } | null;
}) {
  const { hosts, instanceHosts, canEdit, saved, failed } = props;
  return (
    <section className="panel" id="url-allowlist" aria-labelledby="url-allowlist-heading">
      <h2 id="url-allowlist-heading">Allowed hosts for URL deliverables</h2>
      <p className="muted">
        Before a task goes to review, its URL deliverables are fetched to check they answer. Only these hosts are fetched; a URL on any other host fails its
        check and the task goes back to its agent. The list starts empty.
      </p>
      {instanceHosts.length > 0 ? <p className="muted">Allowed on every workspace of this instance: {instanceHosts.join(", ")}.</p> : null}
      {canEdit ? (
        <Form method="post" noValidate preventScrollReset>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="url-allowlist" />
          <FormError message={failed?.formError} />
          <Field
            label="Hosts, one a line"
            name="hosts"
            multiline
            rows={4}
            hint="example.com, or *.example.com for its subdomains"
            error={failed?.errors.hosts}
            defaultValue={failed?.values?.hosts ?? hosts.join("\n")}
          />
          <button type="submit" className="btn btn-primary">
            Save hosts
          </button>{" "}
          <SavedNote show={saved} />
        </Form>
      ) : (
        <p data-testid="url-allowlist">
          {hosts.length > 0 ? hosts.join(", ") : "No hosts yet."} <span className="muted">An admin changes this list.</span>
        </p>
      )}
    </section>
  );
}
