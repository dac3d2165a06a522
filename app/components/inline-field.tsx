import type { ReactNode } from "react";
import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { InlineField } from "#app/domain/forms/task";
import { SavedNote } from "./saved-note";

/**
 * One of the task's values, shown as text, with an "Edit" link that opens a
 * small form for that value alone in its place. The link is `?edit=<field>`:
 * without JavaScript the page renders the form there; with it, the same
 * navigation keeps the scroll position. Save posts `edit-<field>`; Cancel
 * goes back to the plain page.
 */
export function InlineFieldRow(props: {
  field: InlineField;
  label: string;
  /** The value as people read it. */
  value: ReactNode;
  /** The inputs of the field's form (named as the task form names them). */
  editor: ReactNode;
  canEdit: boolean;
  editing: boolean;
  saved: boolean;
  error?: string;
  /** The page's path (no query): Cancel and the Edit link build on it. */
  pathname: string;
  /** Render as a block (the description) rather than a row of the facts list. */
  block?: boolean;
}) {
  const { field, label, value, editor, canEdit, editing, saved, error, pathname, block } = props;
  const id = `field-${field}`;
  return (
    <div className={`inline-field${block ? " inline-field-block" : ""}${error ? " field-invalid" : ""}`} id={id} data-field={field}>
      <span className="inline-field-label" id={`${id}-label`}>
        {label}
      </span>
      {editing ? (
        <Form method="post" className="inline-field-form" preventScrollReset aria-labelledby={`${id}-label`} noValidate>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value={`edit-${field}`} />
          {editor}
          {error ? (
            <p className="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
          <span className="inline-field-actions">
            <button type="submit" className="btn btn-primary btn-small">
              Save
            </button>
            <Link to={`${pathname}#${id}`} className="btn btn-small" preventScrollReset>
              Cancel
            </Link>
          </span>
        </Form>
      ) : (
        <span className="inline-field-value">
          {value}
          {canEdit ? (
            <Link
              to={`${pathname}?edit=${field}#${id}`}
              className="inline-field-edit"
              preventScrollReset
              aria-label={`Edit ${label.toLowerCase()}`}
              data-testid={`edit-${field}`}
            >
              ✎ Edit
            </Link>
          ) : null}
          <SavedNote show={saved} />
        </span>
      )}
    </div>
  );
}
