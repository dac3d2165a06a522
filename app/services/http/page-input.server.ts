import type { MiddlewareFunction } from "react-router";
import { textProblem } from "#app/domain/input-limits";

// Pages take text from two places: the query string and the submitted form.
// Both are checked here once, for every page and every action, before the
// CSRF check reads the form or an action sees it: a form that cannot be read
// (multipart without a boundary, a broken multipart body) or text PostgreSQL
// cannot store (a NUL character) is a 400 that reaches nothing.

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

function refuse(message: string): Response {
  return new Response(message, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The first field (name or value) whose text cannot be stored, as a message. */
function unstorable(entries: Iterable<[string, FormDataEntryValue]>, where: string): string | null {
  for (const [name, value] of entries) {
    const problem = textProblem(name) ?? (typeof value === "string" ? textProblem(value) : null);
    if (problem) return `The ${where} "${name.slice(0, 40).replaceAll("\u0000", "\\0")}" ${problem}; remove it and try again.`;
  }
  return null;
}

export const pageInputMiddleware: MiddlewareFunction<Response> = async ({ request }, next) => {
  const query = unstorable(new URL(request.url).searchParams, "query parameter");
  if (query) return refuse(query);
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD" || !FORM_TYPES.test(request.headers.get("content-type") ?? "")) return next();
  let form: FormData;
  try {
    form = await request.clone().formData();
  } catch (error) {
    // The platform's form parser throws a TypeError for a body that does not match its type.
    if (!(error instanceof TypeError)) throw error;
    return refuse("The form could not be read: send it as application/x-www-form-urlencoded, or multipart/form-data with its boundary.");
  }
  const field = unstorable(form, "field");
  return field ? refuse(field) : next();
};
