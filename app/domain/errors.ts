import { z } from "zod";

// The error shape every JSON endpoint answers with, and the codes the data
// layer raises. The statuses for each code are listed in docs/API.md.

export type AppErrorCode =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "unavailable";

const STATUS: Record<AppErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

/** Every code with its status (the OpenAPI document lists each status's code). */
export const APP_ERROR_STATUS: Readonly<Record<AppErrorCode, number>> = STATUS;

/** What `AppError.toJSON` writes: the body of every JSON refusal (published as the OpenAPI document's `Error` schema). */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(STATUS) as [AppErrorCode, ...AppErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional().describe("What the refusal is about: zod issues for bad input, the allowed statuses for a 409, …"),
  }),
});

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: AppErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }

  /** Field errors the data layer attached (e.g. a taken slug), if any. */
  get fieldErrors(): Record<string, string> | undefined {
    const d = this.details as { fields?: Record<string, string> } | undefined;
    return d && typeof d === "object" && d.fields ? d.fields : undefined;
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return typeof value === "string" && Object.hasOwn(STATUS, value);
}
