import { describe, expect, it } from "vitest";
import { parseForm } from "./parse";
import { pipelineSchema, stageSchema } from "./pipeline";

const form = (values: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
};

describe("pipeline forms", () => {
  it("requires a name", () => {
    const r = parseForm(form({ name: "  " }), pipelineSchema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.name).toMatch(/required/);
  });

  it("reads the gate checkbox as a boolean and checks the rest", () => {
    const ok = parseForm(form({ name: "Draft", agent_id: "0b5c7e9a-1111-4222-8333-944455556666", autonomy_level: "hotl" }), stageSchema);
    expect(ok).toMatchObject({ ok: true, data: { gate_advance: false, autonomy_level: "hotl" } });
    const on = parseForm(form({ name: "Draft", agent_id: "0b5c7e9a-1111-4222-8333-944455556666", autonomy_level: "hitl", gate_advance: "on" }), stageSchema);
    expect(on).toMatchObject({ ok: true, data: { gate_advance: true } });
    const bad = parseForm(form({ name: "", agent_id: "x", autonomy_level: "yolo" }), stageSchema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(["agent_id", "autonomy_level", "name"]);
  });
});
