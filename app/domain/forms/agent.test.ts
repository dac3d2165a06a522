import { describe, expect, it } from "vitest";
import { formData } from "#tests/support/form-data";
import { parseForm } from "./parse";
import { AGENT_STATUSES } from "../agent-status";
import { agentSchema } from "./agent";

const parse = (fields: Record<string, string> | [string, string][]) => parseForm(formData(fields), agentSchema);

describe("agentSchema", () => {
  it("parses a full form, trimming text", () => {
    expect(parse({ name: " Scout ", role: " Research ", emoji: " 🔭 ", model: " gpt-x ", openclaw_agent_id: " scout.v2_a-1 ", status: "working" })).toEqual({
      ok: true,
      data: { name: "Scout", role: "Research", emoji: "🔭", model: "gpt-x", openclaw_agent_id: "scout.v2_a-1", status: "working" },
    });
  });

  it("defaults everything but the name", () => {
    expect(parse({ name: "Scout" })).toEqual({
      ok: true,
      data: { name: "Scout", role: "", emoji: "", model: "", openclaw_agent_id: "", status: "standby" },
    });
  });

  it.each([
    ["name", "", "A name is required"],
    ["name", "x".repeat(81), "At most 80 characters"],
    ["role", "x".repeat(201), "At most 200 characters"],
    ["model", "x".repeat(201), "At most 200 characters"],
    ["emoji", "x".repeat(9), "One emoji, please"],
    ["openclaw_agent_id", "-scout", "Letters, digits, dot, dash, underscore"],
    ["openclaw_agent_id", "has space", "Letters, digits, dot, dash, underscore"],
    ["openclaw_agent_id", "x".repeat(65), "Letters, digits, dot, dash, underscore"],
    ["status", "busy", "Choose a status"],
  ])("%s = %j → %j", (field, value, message) => {
    expect(parse({ name: "Scout", [field]: value })).toMatchObject({ ok: false, errors: { [field]: message } });
  });

  it.each(AGENT_STATUSES)("accepts status %s", (status) => {
    expect(parse({ name: "Scout", status })).toMatchObject({ ok: true, data: { status } });
  });

  it("accepts a 64-character gateway id", () => {
    expect(parse({ name: "Scout", openclaw_agent_id: "a".repeat(64) }).ok).toBe(true);
  });

  it("rejects unknown and repeated fields (a token cannot be set through the form)", () => {
    expect(parse({ name: "Scout", api_token_hash: "x" })).toMatchObject({ ok: false, errors: { api_token_hash: "Unknown field" } });
    expect(
      parse([
        ["name", "A"],
        ["name", "B"],
      ]),
    ).toMatchObject({ ok: false, errors: { name: "Sent more than once" } });
  });
});
