import { z } from "zod";

/** Form fields that belong to the transport, not to the schema. */
const META_FIELDS = new Set(["csrf", "intent"]);

export type FieldErrors = Record<string, string>;

/** The key for an error that belongs to the whole form, not one field. */
export const FORM_ERROR = "_form";
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/**
 * Parses submitted form data with a strict schema: unknown fields, repeated
 * fields and file parts are errors, and the first message per field is kept
 * so the page can show it next to the input.
 */
export function parseForm<S extends z.ZodType>(formData: FormData, schema: S): FormResult<z.output<S>> {
  const values: Record<string, string> = {};
  const errors: FieldErrors = {};
  for (const [key, value] of formData) {
    if (META_FIELDS.has(key)) continue;
    if (typeof value !== "string") {
      errors[key] = "Files are not accepted here";
      continue;
    }
    if (key in values) errors[key] = "Sent more than once";
    values[key] = value;
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) errors[key] = "Unknown field";
        errors[FORM_ERROR] = `Unknown field(s): ${issue.keys.join(", ")}`;
        continue;
      }
      errors[String(issue.path[0] ?? FORM_ERROR)] ??= issue.message;
    }
  }
  if (!result.success || Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data: result.data };
}

/**
 * The text fields as the browser sent them (transport fields left out), for
 * a form refused after parsing (a rule the database checks) to show again
 * what was typed instead of starting blank.
 */
export function submittedValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (!META_FIELDS.has(key) && typeof value === "string") values[key] = value;
  }
  return values;
}

/** An optional text input: empty means null. */
export const optionalText = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .transform((v) => (v === "" ? null : v));

export const emptyToNull = (v: unknown) => (v === "" ? null : v);
