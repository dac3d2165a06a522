import { describe, expect, it } from "vitest";
import { AppError } from "#app/domain/errors";
import { toAppError } from "./errors.server";

describe("toAppError", () => {
  it.each([
    ["22P05", "untranslatable character (a NUL inside JSON)"],
    ["22021", "invalid byte sequence (a NUL in text)"],
    ["22001", "string too long"],
    ["22003", "numeric value out of range"],
    ["22P02", "invalid text representation"],
    ["22007", "invalid datetime format"],
    ["23502", "not null violation"],
    ["23514", "check violation"],
    ["54000", "index row too large"],
    ["54001", "nesting too deep"],
  ])("maps SQLSTATE %s (%s) to a 400", (code) => {
    const mapped = toAppError({ code, message: "boom", constraint: "c" });
    expect(mapped).toBeInstanceOf(AppError);
    expect((mapped as AppError).status).toBe(400);
    expect((mapped as AppError).message).toBe("A value is not valid.");
  });

  it("maps unique and foreign key violations to a 409", () => {
    expect((toAppError({ code: "23505", constraint_name: "workspaces_slug_key" }) as AppError).status).toBe(409);
    expect((toAppError({ code: "23503" }) as AppError).status).toBe(409);
  });

  it("maps a domain error raised in SQL to its own code and details", () => {
    const mapped = toAppError({ code: "P0001", hint: "not_found", message: "No such task.", detail: '{"task_id":"x"}' }) as AppError;
    expect(mapped.status).toBe(404);
    expect(mapped.details).toEqual({ task_id: "x" });
  });

  it("leaves a real server fault alone", () => {
    for (const code of ["08006", "53300", "57P01", "40001", "XX000"]) {
      const error = { code, message: "down" };
      expect(toAppError(error)).toBe(error);
    }
    const plain = new Error("no code");
    expect(toAppError(plain)).toBe(plain);
  });
});
