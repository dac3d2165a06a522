import { describe, expect, it } from "vitest";
import { AppError, isAppErrorCode, type AppErrorCode } from "./errors";

const STATUSES: Record<AppErrorCode, number> = {
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

describe("AppError", () => {
  it.each(Object.entries(STATUSES) as [AppErrorCode, number][])("%s answers with HTTP %d", (code, status) => {
    const error = new AppError(code, "message");
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
  });

  it("is an Error with its message and name", () => {
    const error = new AppError("conflict", "Taken");
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("Taken");
    expect(error.name).toBe("AppError");
  });

  it("serialises to the JSON error envelope, details only when given", () => {
    expect(new AppError("not_found", "No such task").toJSON()).toEqual({ error: { code: "not_found", message: "No such task" } });
    expect(JSON.parse(JSON.stringify(new AppError("conflict", "Busy", { tasks: 2 })))).toEqual({
      error: { code: "conflict", message: "Busy", details: { tasks: 2 } },
    });
  });

  it("exposes field errors from details.fields only", () => {
    expect(new AppError("conflict", "x", { fields: { slug: "Already taken" } }).fieldErrors).toEqual({ slug: "Already taken" });
    expect(new AppError("conflict", "x", { tasks: 1 }).fieldErrors).toBeUndefined();
    expect(new AppError("conflict", "x").fieldErrors).toBeUndefined();
    expect(new AppError("conflict", "x", "text").fieldErrors).toBeUndefined();
  });
});

describe("isAppErrorCode", () => {
  it("accepts exactly the known codes", () => {
    for (const code of Object.keys(STATUSES)) expect(isAppErrorCode(code)).toBe(true);
    for (const v of ["", "Conflict", "server_error", undefined, null, 404]) expect(isAppErrorCode(v)).toBe(false);
  });

  // A P0001 hint of "toString" must not become an AppError with no status.
  it("rejects names inherited from Object.prototype", () => {
    for (const v of ["toString", "constructor", "__proto__", "hasOwnProperty"]) expect(isAppErrorCode(v)).toBe(false);
  });
});
