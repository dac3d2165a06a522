import { describe, expect, it } from "vitest";
import { rpcStatement } from "./rpc-sql";

describe("rpcStatement", () => {
  it("calls a function without arguments", () => {
    expect(rpcStatement("list_workspaces")).toEqual({ text: "select list_workspaces() as r", params: [] });
  });

  it("passes named arguments as numbered parameters in order", () => {
    expect(rpcStatement("get_board", { p_workspace_id: "w1", p_limits: { done: 5 } })).toEqual({
      text: "select get_board(p_workspace_id => $1, p_limits => $2) as r",
      params: ["w1", '{"done":5}'],
    });
  });

  it("leaves undefined arguments out so the SQL default applies, keeping numbering dense", () => {
    expect(rpcStatement("f", { p_a: 1, p_b: undefined, p_c: 3 })).toEqual({
      text: "select f(p_a => $1, p_c => $2) as r",
      params: ["1", "3"],
    });
  });

  it("sends null as SQL NULL and scalars as text", () => {
    expect(rpcStatement("f", { p_a: null, p_b: 42, p_c: true, p_d: "x" }).params).toEqual([null, "42", "true", "x"]);
  });

  it("sends dates as ISO timestamps in both modes", () => {
    const d = new Date("2026-01-02T03:04:05.678Z");
    expect(rpcStatement("f", { p_at: d }).params).toEqual(["2026-01-02T03:04:05.678Z"]);
    expect(rpcStatement("f", { p_at: d }, "raw").params).toEqual(["2026-01-02T03:04:05.678Z"]);
  });

  it("sends objects and arrays as JSON text, or as-is in raw mode", () => {
    const fields = { title: "x", tags: ["a"] };
    expect(rpcStatement("f", { p_fields: fields, p_list: [1, 2] }).params).toEqual(['{"title":"x","tags":["a"]}', "[1,2]"]);
    const raw = rpcStatement("f", { p_fields: fields, p_n: 1 }, "raw").params;
    expect(raw[0]).toBe(fields);
    expect(raw[1]).toBe("1");
  });

  it.each(["", "Select", "drop table x; --", "f()", "a-b", "1abc", "x".repeat(64), "pg catalog"])("refuses the function name %j", (fn) => {
    expect(() => rpcStatement(fn)).toThrow(/invalid function name/);
  });

  it("accepts the longest identifier PostgreSQL keeps (63 bytes)", () => {
    expect(() => rpcStatement("x".repeat(63))).not.toThrow();
  });

  it.each(["P_A", "p a", "p_a => 1); drop table x; --", "1p"])("refuses the argument name %j", (name) => {
    expect(() => rpcStatement("f", { [name]: 1 })).toThrow(/invalid argument name/);
  });

  it("never puts values into the statement text", () => {
    const { text } = rpcStatement("f", { p_a: "'); drop table tasks; --" });
    expect(text).toBe("select f(p_a => $1) as r");
  });

  it("passes booleans and objects through untouched in raw mode (postgres.js serialises by declared type)", () => {
    const { params } = rpcStatement("f", { p_a: true, p_b: false, p_c: { k: 1 }, p_d: 7, p_e: new Date("2026-01-01T00:00:00Z") }, "raw");
    expect(params).toEqual([true, false, { k: 1 }, "7", "2026-01-01T00:00:00.000Z"]);
  });
});
