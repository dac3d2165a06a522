import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { type CheckPolicy, type CheckResult, type DeliverableInput, fail, pass } from "./types.server";

// A file deliverable names a file under `<filesDir>/<taskId>/`. The path comes
// from an agent, so it is hostile until proven otherwise: lexical checks first
// (cheap, and they catch encoded tricks meant for some later decoder), then the
// resolved real path must still be inside the real base (catches symlinks).

export type PathRefusal = { reason: "path_invalid" | "path_outside_base"; rule: string };

// Encoded ".", "/", "\" or NUL still present after decoding twice: a name only
// a third decoder would turn into traversal. Nothing legitimate needs that.
const STILL_ENCODED = /%(2e|2f|5c|00)/i;

/** Lexical refusal of a deliverable path, or null when it may be resolved. */
export function refusePath(raw: string): PathRefusal | null {
  if (raw.length === 0) return { reason: "path_invalid", rule: "empty" };
  const variants = [raw];
  let current = raw;
  // At most two decodes: once for the agent's own encoding, once more for
  // double-encoding ("%252e" → "%2e" → "."); a literal "%" that is not an
  // escape ("100%.txt") just stops decoding.
  for (let i = 0; i < 2; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      break;
    }
    if (decoded === current) break;
    variants.push(decoded);
    current = decoded;
  }
  for (const variant of variants) {
    if (variant.includes("\0")) return { reason: "path_invalid", rule: "nul_byte" };
    // Windows separators and drive letters too: the same path may be served
    // or unpacked on another system.
    if (variant.startsWith("/") || variant.startsWith("\\") || /^[a-zA-Z]:/.test(variant)) {
      return { reason: "path_outside_base", rule: variant === raw ? "absolute" : "encoded_absolute" };
    }
    if (variant.split(/[\\/]/).includes("..")) {
      return { reason: "path_outside_base", rule: variant === raw ? "dot_dot" : "encoded_traversal" };
    }
  }
  if (STILL_ENCODED.test(current)) return { reason: "path_outside_base", rule: "encoded_traversal" };
  return null;
}

/** A task id becomes a directory name: it must be exactly one plain segment. */
function safeSegment(taskId: string): boolean {
  return taskId.length > 0 && taskId !== "." && taskId !== ".." && !/[\\/\0]/.test(taskId);
}

/** Whether target is base itself or below it (compared with a trailing separator). */
export function inside(base: string, target: string): boolean {
  // The trailing separator keeps "/files/task-1" from containing "/files/task-10".
  return target.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
}

export interface FileCheckOutcome {
  result: CheckResult;
  /** Real path of the checked file when the check passed (for the HTML render). */
  realPath?: string;
}

export async function checkFile(item: DeliverableInput, relPath: string, policy: CheckPolicy): Promise<FileCheckOutcome> {
  const id = item.id;
  const shown = JSON.stringify(relPath);
  const refusal = refusePath(relPath);
  if (refusal) {
    const message =
      refusal.reason === "path_invalid"
        ? `The path ${shown} of "${item.title}" is not a valid file name (${refusal.rule}).`
        : `The path ${shown} of "${item.title}" points outside the task's files folder.`;
    return { result: fail(id, "file", refusal.reason, message, { path: relPath, rule: refusal.rule }) };
  }
  if (!safeSegment(policy.taskId)) {
    return { result: fail(id, "file", "path_outside_base", `The task id cannot name a files folder.`, { path: relPath, rule: "task_id" }) };
  }

  const base = path.resolve(policy.filesDir, policy.taskId);
  const target = path.resolve(base, relPath);
  if (!inside(base, target)) {
    return {
      result: fail(id, "file", "path_outside_base", `The path ${shown} of "${item.title}" points outside the task's files folder.`, {
        path: relPath,
        rule: "resolve",
      }),
    };
  }

  let realBase: string;
  let realTarget: string;
  try {
    realBase = await realpath(base);
    realTarget = await realpath(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return { result: fail(id, "file", "file_missing", `The file ${shown} of "${item.title}" does not exist.`, { path: relPath }) };
    }
    return { result: fail(id, "file", "file_unreadable", `The file ${shown} of "${item.title}" cannot be read (${code ?? "error"}).`, { path: relPath }) };
  }
  if (!inside(realBase, realTarget)) {
    // A symlink (the file or a folder on the way) leads out of the base.
    return {
      result: fail(id, "file", "path_outside_base", `The path ${shown} of "${item.title}" leads outside the task's files folder through a link.`, {
        path: relPath,
        rule: "symlink",
      }),
    };
  }

  const info = await stat(realTarget);
  if (!info.isFile()) {
    return { result: fail(id, "file", "file_not_regular", `The path ${shown} of "${item.title}" is not a regular file.`, { path: relPath }) };
  }
  if (info.size === 0) {
    return { result: fail(id, "file", "file_empty", `The file ${shown} of "${item.title}" is empty.`, { path: relPath, size: 0 }) };
  }
  return { result: pass(id, "file", `The file ${shown} exists (${info.size} bytes).`, { path: relPath, size: info.size }), realPath: realTarget };
}
