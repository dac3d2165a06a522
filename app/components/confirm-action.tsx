import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { FormError } from "./field";
import { SubmitButton } from "./submit-button";

/**
 * A destructive action in two steps, with or without JavaScript: a
 * disclosure ("Delete…") that reveals what will happen and the real button.
 * The form posts its intent and fields like any other; a refusal shows
 * inside, next to the button, and keeps it open.
 */
export function ConfirmAction({
  label,
  warning,
  confirmLabel,
  intent,
  fields,
  action,
  error,
  small,
  className,
}: {
  /** The disclosure's text, e.g. "Delete stage…". */
  label: string;
  /** One sentence: what goes, and whether it can be undone. */
  warning: React.ReactNode;
  /** The destructive button's text, e.g. "Delete stage". */
  confirmLabel: string;
  intent: string;
  fields?: Record<string, string>;
  action?: string;
  error?: string;
  small?: boolean;
  className?: string;
}) {
  return (
    <details className={`confirm-action${className ? ` ${className}` : ""}`} open={error ? true : undefined}>
      <summary className={`btn btn-ghost btn-danger-text${small ? " btn-small" : ""}`}>{label}</summary>
      <Form method="post" action={action} className="confirm-body">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value={intent} />
        {Object.entries(fields ?? {}).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <p className="confirm-warning">{warning}</p>
        <FormError message={error} />
        <SubmitButton className={`btn btn-danger${small ? " btn-small" : ""}`} pendingLabel="Working…">
          {confirmLabel}
        </SubmitButton>
      </Form>
    </details>
  );
}
