import { describe, expect, it } from "vitest";
import { AppError } from "#app/domain/errors";
import { EnvError, parseEnv } from "#app/env.server";
import { SupabaseRpcError, encodeArgs, fromPostgrestError } from "./supabase.server";

describe("Supabase argument encoding", () => {
  it("keeps JSON values as they are, omits undefined and sends Dates as ISO strings", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    expect(encodeArgs({ p_a: 1, p_b: true, p_c: false, p_d: null, p_e: undefined, p_f: { x: [1, null] }, p_g: "t", p_h: at })).toEqual({
      p_a: 1,
      p_b: true,
      p_c: false,
      p_d: null,
      p_f: { x: [1, null] },
      p_g: "t",
      p_h: "2026-01-02T03:04:05.678Z",
    });
    expect(JSON.stringify(encodeArgs({ p_e: undefined }))).toBe("{}");
  });

  it("refuses argument names that are not plain identifiers", () => {
    expect(() => encodeArgs({ "p_a; drop": 1 })).toThrow(/invalid argument name/);
  });
});

describe("PostgREST errors", () => {
  it("turns P0001 with an app error code in the hint into that AppError with JSON details", () => {
    const error = fromPostgrestError("update_task", { code: "P0001", message: "Choose an agent.", details: '{"fields":{"a":"b"}}', hint: "invalid" });
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "invalid", message: "Choose an agent.", details: { fields: { a: "b" } } });
    expect(fromPostgrestError("f", { code: "P0001", message: "Gone", details: "{}", hint: "not_found" })).toMatchObject({
      code: "not_found",
      details: undefined,
    });
  });

  it("maps constraint violations and bad input, naming the constraint from the message", () => {
    expect(
      fromPostgrestError("create_agent", {
        code: "23505",
        message: 'duplicate key value violates unique constraint "agents_api_token_hash_key"',
        details: "Key (api_token_hash)=(aa) already exists.",
        hint: null,
      }),
    ).toMatchObject({ code: "conflict", details: { constraint: "agents_api_token_hash_key" } });
    expect(fromPostgrestError("f", { code: "23503", message: 'violates foreign key constraint "x_fkey"', details: null, hint: null })).toMatchObject({
      code: "conflict",
    });
    expect(fromPostgrestError("f", { code: "22P02", message: "invalid input syntax for type uuid", details: null, hint: null })).toMatchObject({
      code: "invalid",
    });
  });

  it("keeps anything else as a SupabaseRpcError with the PostgREST fields", () => {
    const error = fromPostgrestError("nope", { code: "PGRST202", message: "Could not find the function public.nope", details: "d", hint: null });
    expect(error).toBeInstanceOf(SupabaseRpcError);
    expect(error).toMatchObject({ code: "PGRST202", details: "d", hint: null, message: "nope: Could not find the function public.nope" });
    expect(fromPostgrestError("f", { code: "P0001", message: "plain raise", details: null, hint: null })).toBeInstanceOf(SupabaseRpcError);
    expect(fromPostgrestError("f", { message: "FetchError: fetch failed", code: "" })).toBeInstanceOf(SupabaseRpcError);
  });
});

describe("Supabase configuration", () => {
  const key = "service-role-key";
  it("takes SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY, or neither", () => {
    expect(parseEnv({ SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: key })).toMatchObject({ SUPABASE_URL: "https://abc.supabase.co" });
    expect(parseEnv({}).SUPABASE_URL).toBeUndefined();
  });

  it("refuses one without the other, or a URL that is not http(s)", () => {
    expect(() => parseEnv({ SUPABASE_URL: "https://abc.supabase.co" })).toThrow(EnvError);
    expect(() => parseEnv({ SUPABASE_SERVICE_ROLE_KEY: key })).toThrow(/set both .* or neither/);
    expect(() => parseEnv({ SUPABASE_URL: "postgres://x", SUPABASE_SERVICE_ROLE_KEY: key })).toThrow(/SUPABASE_URL/);
  });
});
