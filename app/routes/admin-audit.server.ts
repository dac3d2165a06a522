import { type AuditFilters, auditFilterSchema, sqlFilters } from "#app/domain/audit";
import { type FieldErrors, parseForm } from "#app/domain/forms/parse";

export type ReadFilters =
  | { ok: true; filters: AuditFilters; sql: Record<string, string>; values: Record<string, string> }
  | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** The audit filters from the URL, checked by the one schema the page and the export share. */
export function readAuditFilters(url: URL): ReadFilters {
  const form = new FormData();
  const values: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    form.append(key, value);
    values[key] = value;
  }
  const parsed = parseForm(form, auditFilterSchema);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  return { ok: true, filters: parsed.data, sql: sqlFilters(parsed.data), values };
}
