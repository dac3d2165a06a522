import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "#app/domain/errors";
import { MAX_JSON_DEPTH } from "#app/domain/input-limits";
import { parseJsonBytes } from "./json-body.server";

const anything = z.unknown();
const bytes = (text: string) => new TextEncoder().encode(text);
const refusal = (text: string, schema: z.ZodType = anything) => {
  try {
    parseJsonBytes(bytes(text), schema);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("parseJsonBytes", () => {
  it("takes nesting up to the limit and refuses one level more, before parsing", () => {
    const nest = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(parseJsonBytes(bytes(nest(MAX_JSON_DEPTH)), anything)).toBeDefined();
    const deep = refusal(nest(MAX_JSON_DEPTH + 1));
    expect(deep.status).toBe(400);
    expect(deep.message).toBe(`The body nests deeper than ${MAX_JSON_DEPTH} levels.`);
    // A depth that would overflow the stack of whatever walks the value next.
    expect(refusal(`{"metadata":${nest(20_000)}}`).message).toMatch(/nests deeper/);
  });

  it("refuses text PostgreSQL cannot store, naming where it is", () => {
    const nul = refusal(JSON.stringify({ message: "ok", metadata: { note: ["a\u0000"] } }));
    expect(nul.status).toBe(400);
    expect(nul.details).toEqual({ issues: [{ path: "metadata.note.0", message: "a value contains a NUL character (U+0000)", code: "unstorable_text" }] });
    expect(refusal('{"message":"a\\ud800"}').message).toMatch(/lone surrogate/);
    expect(refusal('{"k\\u0000":1}').message).toMatch(/a key contains a NUL/);
  });

  it("checks the text before the schema, so a schema never sees it", () => {
    const schema = z.object({ message: z.string().max(5) }).strict();
    expect(refusal('{"message":"\\u0000"}', schema).message).toMatch(/NUL/);
    expect(refusal('{"message":"far too long"}', schema).message).toBe("The body does not match the expected shape.");
  });
});
