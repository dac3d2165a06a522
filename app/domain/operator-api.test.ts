import { describe, expect, it } from "vitest";
import { z } from "zod";
import { OPERATIONS, type Operation, matchOperation } from "./operator-api";

describe("the operator API registry", () => {
  const operations = Object.entries(OPERATIONS) as Array<[string, Operation]>;

  it("declares each method and path once", () => {
    const keys = operations.map(([, o]) => `${o.method} ${o.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps every schema representable as JSON Schema (requests as sent, responses as answered)", () => {
    for (const [id, o] of operations) {
      for (const [part, schema] of [
        ["params", o.params],
        ["query", o.query],
        ["body", o.body],
      ] as const) {
        if (schema) expect(() => z.toJSONSchema(schema, { io: "input" }), `${id} ${part}`).not.toThrow();
      }
      expect(() => z.toJSONSchema(o.response, { io: "output" }), `${id} response`).not.toThrow();
    }
  });

  it("refuses unknown body fields in every operation that takes a body", () => {
    for (const [id, o] of operations) {
      if (!o.body) continue;
      const json = z.toJSONSchema(o.body, { io: "input" }) as { additionalProperties?: unknown };
      expect(json.additionalProperties, id).toBe(false);
    }
  });

  it("matches a method and a path to its operation and parameters", () => {
    expect(matchOperation("GET", "/workspaces")).toEqual({ kind: "found", id: "listWorkspaces", params: {} });
    expect(matchOperation("POST", "/workspaces/ops/tasks")).toEqual({ kind: "found", id: "createTask", params: { slug: "ops" } });
    expect(matchOperation("POST", "/approvals/abc/decision")).toEqual({ kind: "found", id: "decideApproval", params: { approvalId: "abc" } });
    expect(matchOperation("PUT", "/tasks/abc")).toEqual({ kind: "method_not_allowed", allow: ["GET", "PATCH", "DELETE"] });
    expect(matchOperation("GET", "/tasks/")).toEqual({ kind: "not_found" });
    expect(matchOperation("GET", "/workspaces/")).toEqual({ kind: "not_found" });
    expect(matchOperation("GET", "/nothing")).toEqual({ kind: "not_found" });
  });

  it("asks the approve scope only to decide approvals, and read for every GET", () => {
    for (const [id, o] of operations) {
      if (o.method === "GET") expect(o.scope, id).toBe("read");
      else expect(o.scope, id).toBe(id === "decideApproval" ? "approve" : "write");
    }
  });
});
