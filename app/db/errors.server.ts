import { AppError, isAppErrorCode } from "#app/domain/errors";

// PGlite names the violated constraint `constraint`, postgres.js `constraint_name`.
type PgError = { code?: string; message?: string; hint?: string; detail?: string; constraint?: string; constraint_name?: string };

/**
 * Whether a SQLSTATE says the values were at fault, not the server: class 22
 * (data exception: 22P05 untranslatable character, 22021 bad encoding, 22001
 * too long, 22003 out of range, 22P02 bad text form…), class 23 (integrity:
 * not null, check…; 23505 and 23503 are conflicts, mapped first) and a value
 * too large or deep for PostgreSQL's own limits (54000 index row too big,
 * 54001 nesting too deep). None of these is a reason to retry, so none may
 * pass for "unavailable".
 */
function isInvalidInput(code: string): boolean {
  return code.startsWith("22") || code.startsWith("23") || code === "54000" || code === "54001";
}

/**
 * Maps a PostgreSQL error to an AppError when it is the caller's fault (domain
 * errors raised by raise_app_error, constraint violations, malformed values).
 * Anything else is returned unchanged: a real server fault.
 */
export function toAppError(error: unknown): unknown {
  const e = error as PgError;
  if (!e || typeof e !== "object" || typeof e.code !== "string") return error;
  const constraint = e.constraint ?? e.constraint_name;
  if (e.code === "P0001" && isAppErrorCode(e.hint)) {
    return new AppError(e.hint, e.message ?? "Request refused", parseDetail(e.detail));
  }
  if (e.code === "23505") return new AppError("conflict", "That already exists.", { constraint });
  if (e.code === "23503") return new AppError("conflict", "A referenced record does not exist or is still in use.", { constraint });
  if (isInvalidInput(e.code)) {
    return new AppError("invalid", "A value is not valid.", constraint ? { constraint } : undefined);
  }
  return error;
}

function parseDetail(detail: string | undefined): unknown {
  if (!detail) return undefined;
  try {
    const parsed = JSON.parse(detail) as unknown;
    return parsed && typeof parsed === "object" && Object.keys(parsed).length === 0 ? undefined : parsed;
  } catch {
    return undefined;
  }
}
