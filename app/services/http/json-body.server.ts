import type { z } from "zod";
import { AppError } from "#app/domain/errors";
import { MAX_JSON_DEPTH, jsonNestsDeeperThan, jsonTextProblem } from "#app/domain/input-limits";

/**
 * Reads a request body up to `maxBytes` (413 beyond, counted while streaming,
 * whatever Content-Length claims) as raw bytes.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    // Refuse without reading, but release the upload so the client sees the 413 instead of stalling.
    await request.body?.cancel().catch(() => {});
    throw new AppError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Strict UTF-8 JSON, validated by a zod schema: every failure is a 4xx with
 * details. Nesting is bounded before parsing (a deep body would overflow the
 * stack of whatever walks it next) and text PostgreSQL cannot store is refused
 * here, not by the database.
 */
export function parseJsonBytes<S extends z.ZodType>(bytes: Uint8Array, schema: S): z.output<S> {
  return parseJsonValue(decodeJsonBytes(bytes), schema);
}

/** Strict UTF-8 JSON with its nesting bounded, parsed but not yet held to any schema. */
export function decodeJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("invalid", "The body is not valid UTF-8.");
  }
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError("invalid", `The body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("invalid", "The body is not valid JSON.");
  }
  return value;
}

/**
 * A parsed JSON value held to a zod schema, with the same refusals as a body:
 * text PostgreSQL cannot store, then the schema's issues (AppError "invalid").
 * An MCP tool call's input arrives parsed and passes through here.
 */
export function parseJsonValue<S extends z.ZodType>(value: unknown, schema: S, what = "The body"): z.output<S> {
  const problem = jsonTextProblem(value);
  if (problem) {
    throw new AppError("invalid", `${what} cannot be stored: ${problem.message}.`, {
      issues: [{ path: problem.path, message: problem.message, code: "unstorable_text" }],
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("invalid", `${what} does not match the expected shape.`, {
      issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })),
    });
  }
  return result.data;
}

export function requireJson(request: Request): void {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new AppError("unsupported_media_type", "Send the body as application/json.");
}

export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxBytes = 256 * 1024): Promise<z.output<S>> {
  requireJson(request);
  return parseJsonBytes(await readBodyBytes(request, maxBytes), schema);
}
