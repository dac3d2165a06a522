import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formData } from "#tests/support/form-data";
import { FORM_ERROR, emptyToNull, optionalText, parseForm, submittedValues } from "./parse";

const schema = z.object({ name: z.string().min(1, "Required"), note: optionalText(5, "Too long") }).strict();

describe("parseForm", () => {
  it("returns the parsed data when everything is valid", () => {
    expect(parseForm(formData({ name: "a", note: " hi " }), schema)).toEqual({ ok: true, data: { name: "a", note: "hi" } });
  });

  it("ignores the csrf and intent fields the transport adds", () => {
    expect(parseForm(formData({ csrf: "t", intent: "save", name: "a", note: "" }), schema)).toEqual({
      ok: true,
      data: { name: "a", note: null },
    });
  });

  it("rejects unknown fields and returns the submitted values for re-display", () => {
    expect(parseForm(formData({ name: "a", note: "", role: "admin" }), schema)).toEqual({
      ok: false,
      errors: { role: "Unknown field", [FORM_ERROR]: "Unknown field(s): role" },
      values: { name: "a", note: "", role: "admin" },
    });
  });

  it("names each unknown field separately, and all of them for the whole form", () => {
    expect(parseForm(formData({ name: "a", note: "", x: "1", y: "2" }), schema)).toMatchObject({
      ok: false,
      errors: { x: "Unknown field", y: "Unknown field", [FORM_ERROR]: "Unknown field(s): x, y" },
    });
  });

  it("rejects a field sent more than once, even when each value is valid", () => {
    const result = parseForm(
      formData([
        ["name", "a"],
        ["name", "b"],
        ["note", ""],
      ]),
      schema,
    );
    expect(result).toEqual({ ok: false, errors: { name: "Sent more than once" }, values: { name: "b", note: "" } });
  });

  it("rejects file parts", () => {
    const result = parseForm(
      formData([
        ["name", "a"],
        ["note", ""],
        ["upload", new Blob(["x"])],
      ]),
      schema,
    );
    expect(result).toMatchObject({ ok: false, errors: { upload: "Files are not accepted here" } });
  });

  it("keeps the first message per field", () => {
    const twoRules = z.object({ name: z.string().min(3, "Too short").regex(/^\d+$/, "Digits only") }).strict();
    expect(parseForm(formData({ name: "a" }), twoRules)).toMatchObject({ errors: { name: "Too short" } });
  });

  it("reports a repeated field ahead of its schema error", () => {
    const result = parseForm(
      formData([
        ["name", ""],
        ["name", ""],
        ["note", ""],
      ]),
      schema,
    );
    expect(result).toMatchObject({ ok: false, errors: { name: "Sent more than once" } });
  });

  it("files an object-level refinement without a path under FORM_ERROR", () => {
    const refined = z
      .object({ a: z.string() })
      .strict()
      .refine((v) => v.a === "x", "Must be x");
    expect(FORM_ERROR).toBe("_form");
    expect(parseForm(formData({ a: "y" }), refined)).toEqual({ ok: false, errors: { [FORM_ERROR]: "Must be x" }, values: { a: "y" } });
  });
});

describe("optionalText and emptyToNull", () => {
  it("turns blank text into null and trims the rest", () => {
    const t = optionalText(5, "Too long");
    expect(t.parse("   ")).toBeNull();
    expect(t.parse(" abc ")).toBe("abc");
    expect(t.safeParse("abcdef").error?.issues[0]?.message).toBe("Too long");
  });

  it("maps only the empty string to null", () => {
    expect(emptyToNull("")).toBeNull();
    expect(emptyToNull(" ")).toBe(" ");
    expect(emptyToNull(0)).toBe(0);
  });
});

describe("submittedValues", () => {
  it("keeps every text field as sent, without the transport's fields or file parts", () => {
    const form = formData([
      ["csrf", "t"],
      ["intent", "update"],
      ["title", "  Keep my spacing "],
      ["due_at", ""],
      ["upload", new Blob(["x"])],
    ]);
    expect(submittedValues(form)).toEqual({ title: "  Keep my spacing ", due_at: "" });
  });
});
