import { describe, expect, it } from "vitest";
import { formData } from "#tests/support/form-data";
import { loginSchema, setupSchema } from "./auth";
import { parseForm } from "./parse";

describe("loginSchema", () => {
  it("normalises the email and defaults the redirect", () => {
    expect(parseForm(formData({ email: "  Ada@Example.COM ", password: " secret " }), loginSchema)).toEqual({
      ok: true,
      data: { email: "ada@example.com", password: " secret ", redirectTo: "/" },
    });
  });

  it("keeps a given redirect for safeRedirect to check later", () => {
    expect(parseForm(formData({ email: "a@b.co", password: "p", redirectTo: "/w/ops" }), loginSchema)).toMatchObject({
      data: { redirectTo: "/w/ops" },
    });
  });

  it.each([
    ["email", "", "Enter a valid email address"],
    ["email", "ada", "Enter a valid email address"],
    ["email", "ada@", "Enter a valid email address"],
    ["password", "", "Enter your password"],
    ["password", "x".repeat(201), "At most 200 characters"],
  ])("%s = %j → %j", (field, value, message) => {
    const form = { email: "a@b.co", password: "p", [field]: value };
    expect(parseForm(formData(form), loginSchema)).toMatchObject({ ok: false, errors: { [field]: message } });
  });

  it("rejects a redirect longer than 500 characters", () => {
    const result = parseForm(formData({ email: "a@b.co", password: "p", redirectTo: `/${"x".repeat(500)}` }), loginSchema);
    expect(result.ok ? null : Object.keys(result.errors)).toEqual(["redirectTo"]);
  });

  it("rejects unknown and repeated fields", () => {
    expect(parseForm(formData({ email: "a@b.co", password: "p", role: "admin" }), loginSchema)).toMatchObject({
      errors: { role: "Unknown field" },
    });
    expect(
      parseForm(
        formData([
          ["email", "a@b.co"],
          ["password", "p"],
          ["password", "q"],
        ]),
        loginSchema,
      ),
    ).toMatchObject({
      errors: { password: "Sent more than once" },
    });
  });
});

describe("setupSchema", () => {
  const valid = { token: "tok", name: " Ada ", email: "Ada@Example.com", password: "correct horse", confirm: "correct horse" };
  const setup = (overrides: Record<string, string>) => parseForm(formData({ ...valid, ...overrides }), setupSchema);

  it("parses a valid set-up form", () => {
    expect(setup({})).toEqual({
      ok: true,
      data: { token: "tok", name: "Ada", email: "ada@example.com", password: "correct horse", confirm: "correct horse" },
    });
  });

  it.each([
    ["name", "", "Your name is required"],
    ["name", "x".repeat(81), "At most 80 characters"],
    ["email", "not-an-email", "Enter a valid email address"],
  ])("%s = %j → %j", (field, value, message) => {
    expect(setup({ [field]: value })).toEqual({ ok: false, errors: { [field]: message }, values: expect.any(Object) });
  });

  it("needs at least 12 password characters and at most 200", () => {
    expect(setup({ password: "x".repeat(11), confirm: "x".repeat(11) })).toMatchObject({
      ok: false,
      errors: { password: "Use at least 12 characters" },
    });
    expect(setup({ password: "x".repeat(12), confirm: "x".repeat(12) }).ok).toBe(true);
    expect(setup({ password: "x".repeat(201), confirm: "x".repeat(201) })).toMatchObject({
      errors: { password: "At most 200 characters" },
    });
  });

  it("requires the confirmation to match", () => {
    expect(setup({ confirm: "correct horsE" })).toEqual({
      ok: false,
      errors: { confirm: "The passwords do not match" },
      values: expect.any(Object),
    });
  });

  it("requires the set-up token", () => {
    expect(setup({ token: "" })).toMatchObject({ ok: false, errors: { token: expect.any(String) } });
  });

  it("rejects unknown fields such as a role", () => {
    expect(setup({ role: "admin" })).toMatchObject({ ok: false, errors: { role: "Unknown field" } });
  });
});
