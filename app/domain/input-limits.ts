// What the server refuses at the door, before any input reaches the database:
// text PostgreSQL cannot store, and JSON nested deep enough to exhaust a stack.
// Pure checks, used by the page-form middleware and the JSON body reader.

/** How deep a JSON body may nest (objects and arrays). Real bodies use three or four levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Why a string cannot be stored as PostgreSQL text, or null when it can.
 * PostgreSQL refuses U+0000 in text and jsonb, and a lone UTF-16 surrogate has
 * no UTF-8 form at all (the encoder would silently replace it).
 */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "contains a NUL character (U+0000)";
  if (!value.isWellFormed()) return "contains a lone surrogate (invalid Unicode)";
  return null;
}

/**
 * Whether JSON text nests deeper than `max` levels, found by counting brackets
 * outside strings: no parse, no recursion, so any depth is safe to measure.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export interface JsonProblem {
  /** Where, as dot-separated keys and indexes ("" for the whole body). */
  path: string;
  message: string;
}

/**
 * The first string (key or value) in a parsed JSON value that PostgreSQL
 * could not store, or null. Walks with an explicit stack, never recursion.
 */
export function jsonTextProblem(value: unknown): JsonProblem | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === "string") {
      const problem = textProblem(node);
      if (problem) return { path, message: `a value ${problem}` };
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, join(path, String(i))]));
    } else if (node !== null && typeof node === "object") {
      for (const [key, item] of Object.entries(node)) {
        const problem = textProblem(key);
        if (problem) return { path, message: `a key ${problem}` };
        stack.push([item, join(path, key)]);
      }
    }
  }
  return null;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * The longest message an operator may send into a running agent's session
 * (the task page's steer form, decision 037): a paragraph or a pasted error,
 * not a document. It is sent to the model and kept in the task's activity.
 */
export const STEER_MESSAGE_MAX_CHARS = 4000;
