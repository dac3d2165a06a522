import { describe, expect, it } from "vitest";
import { formData } from "#tests/support/form-data";
import { parseForm } from "./parse";
import { urlAllowlistSchema, workspaceCreateSchema, workspaceUpdateSchema } from "./workspace";

const create = (fields: Record<string, string> | [string, string][]) => parseForm(formData(fields), workspaceCreateSchema);

describe("workspaceCreateSchema", () => {
  it("parses and normalises a valid form", () => {
    expect(create({ name: "  Research Lab ", icon: " 🧪 ", slug: " Research-Lab " })).toEqual({
      ok: true,
      data: { name: "Research Lab", icon: "🧪", slug: "research-lab" },
    });
  });

  it("leaves slug and icon empty when not given (the caller derives the slug)", () => {
    expect(create({ name: "Ops" })).toEqual({ ok: true, data: { name: "Ops", icon: "", slug: "" } });
  });

  it.each([
    ["name", "", "Give the workspace a name"],
    ["name", "  ", "Give the workspace a name"],
    ["name", "x".repeat(81), "At most 80 characters"],
    ["icon", "x".repeat(9), "One emoji, please"],
    ["slug", "bad slug", "Lowercase letters, digits and dashes"],
    ["slug", "-lead", "Lowercase letters, digits and dashes"],
    ["slug", "trail-", "Lowercase letters, digits and dashes"],
    ["slug", "a".repeat(49), "Lowercase letters, digits and dashes"],
  ])("%s = %j → %j", (field, value, message) => {
    expect(create({ name: "Ops", [field]: value })).toMatchObject({ ok: false, errors: { [field]: message } });
  });

  it("accepts exactly 80 name characters", () => {
    expect(create({ name: "x".repeat(80) }).ok).toBe(true);
  });

  it("rejects unknown and repeated fields", () => {
    expect(create({ name: "Ops", id: "1" })).toMatchObject({ ok: false, errors: { id: "Unknown field" } });
    expect(
      create([
        ["name", "Ops"],
        ["name", "Dev"],
      ]),
    ).toMatchObject({ ok: false, errors: { name: "Sent more than once" } });
  });
});

describe("workspaceUpdateSchema", () => {
  it("parses name and icon", () => {
    expect(parseForm(formData({ name: " New ", icon: "🚀" }), workspaceUpdateSchema)).toEqual({ ok: true, data: { name: "New", icon: "🚀" } });
  });

  it("does not allow changing the address", () => {
    expect(parseForm(formData({ name: "New", slug: "new" }), workspaceUpdateSchema)).toMatchObject({
      ok: false,
      errors: { slug: "Unknown field" },
    });
  });

  it("validates the name as create does", () => {
    expect(parseForm(formData({ name: "" }), workspaceUpdateSchema)).toMatchObject({ errors: { name: "Give the workspace a name" } });
  });
});

describe("urlAllowlistSchema", () => {
  const hosts = (value: string) => parseForm(formData({ hosts: value }), urlAllowlistSchema);
  it("reads one host a line or comma-separated, lower case, once each", () => {
    expect(hosts(" Example.com\n*.docs.example.org, example.com\n\n")).toEqual({ ok: true, data: { hosts: ["example.com", "*.docs.example.org"] } });
    expect(hosts("")).toEqual({ ok: true, data: { hosts: [] } });
  });
  it.each(["https://example.com", "example.com/path", "example.com:8080", "*", "*.", "exa_mple.com", "-bad.example"])("refuses %j", (value) => {
    const result = hosts(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? {} : result.errors).toEqual({ hosts: "Each host is a name like example.com or *.example.com, without https:// or a path" });
  });
});
