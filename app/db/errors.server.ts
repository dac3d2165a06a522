import { AppError, isAppErrorCode } from "#app/domain/errors";

// PGlite names the violated constraint `constraint`, postgres.js `constraint_name`.
type PgError = { code?: string; message?: string; hint?: string; detail?: string; constraint?: string; constraint_name?: string };

const INVALID_INPUT = new Set(["22001", "22003", "22007", "22008", "22023", "22P02", "23502", "23514"]);

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
  if (INVALID_INPUT.has(e.code)) {
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
