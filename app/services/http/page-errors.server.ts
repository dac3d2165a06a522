import { data } from "react-router";
import { AppError } from "#app/domain/errors";
import { FORM_ERROR, type FieldErrors } from "#app/domain/forms/parse";

/** Turns a data-layer refusal into an HTTP error page (404, 409…) instead of a 500. */
export async function orHttpError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof AppError) throw data({ message: error.message }, { status: error.status });
    throw error;
  }
}

/** A 404 page unless the value exists. */
export function found<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw data({ message: `${what} not found.` }, { status: 404 });
  return value;
}

export interface ActionFailure {
  ok: false;
  errors: FieldErrors;
  formError?: string;
  values?: Record<string, string>;
  /** Which form on the page failed, when a page has several. */
  intent?: string;
}

/** An action's answer to a refused write: field errors and a message, with the right status. */
export function actionFailure(error: unknown, values?: Record<string, string>, intent?: string) {
  if (!(error instanceof AppError)) throw error;
  const body: ActionFailure = { ok: false, errors: error.fieldErrors ?? {}, formError: error.message, values, intent };
  return data(body, { status: error.status });
}

export function invalidForm(errors: FieldErrors, values?: Record<string, string>, intent?: string) {
  const formError = errors[FORM_ERROR] ?? "Please correct the highlighted fields.";
  const body: ActionFailure = { ok: false, errors, values, formError, intent };
  return data(body, { status: 400 });
}
