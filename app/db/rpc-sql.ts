import type { RpcArgs } from "./types";

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Builds `select fn(p_a => $1, p_b => $2) as r` with every value sent as text,
 * so the server resolves each parameter to the function's declared type.
 * Undefined arguments are left out and take the function's default.
 * `objects: "raw"` passes objects and booleans through for drivers that
 * serialise by the server's declared type (postgres.js: its boolean
 * serialiser turns anything but `true` itself, e.g. the string "true", into
 * false); otherwise everything is sent as text, objects as JSON.
 */
export function rpcStatement(fn: string, args: RpcArgs = {}, objects: "json" | "raw" = "json"): { text: string; params: unknown[] } {
  if (!IDENT.test(fn)) throw new Error(`invalid function name: ${fn}`);
  const names: string[] = [];
  const params: unknown[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (!IDENT.test(name)) throw new Error(`invalid argument name: ${name}`);
    names.push(`${name} => $${names.length + 1}`);
    params.push(objects === "raw" && isPlainJson(value) ? value : encodeParam(value));
  }
  return { text: `select ${fn}(${names.join(", ")}) as r`, params };
}

function encodeParam(value: unknown): string | null {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isPlainJson(value: unknown): boolean {
  return typeof value === "boolean" || (typeof value === "object" && value !== null && !(value instanceof Date));
}
