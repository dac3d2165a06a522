import { constants } from "node:fs";
import { mkdir, open, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { inside, refusePath } from "../orchestration/checks/file-check.server";

// Files live under FILES_DIR/<task id>/. Names are reduced to a safe
// basename, so traversal is impossible by construction; the resolved path is
// still checked against the base (with a separator), and the task directory's
// real path too, in case someone put a symlink there.

const SAFE = /[^A-Za-z0-9._-]+/g;

export function safeFileName(name: string): string {
  const base = path.basename(name.replaceAll("\\", "/")).normalize("NFKC");
  const cleaned = base
    .replace(SAFE, "_")
    .replace(/^[._]+/, "")
    .slice(0, 180);
  return cleaned || "upload";
}

export async function taskDir(filesDir: string, taskId: string): Promise<string> {
  const base = path.resolve(filesDir);
  const dir = path.resolve(base, taskId);
  if (!dir.startsWith(base + path.sep)) throw new AppError("invalid", "Invalid task directory.");
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const [realBase, realDir] = await Promise.all([realpath(base), realpath(dir)]);
  if (!realDir.startsWith(realBase + path.sep)) throw new AppError("forbidden", "The task directory points outside the files directory.");
  return realDir;
}

/**
 * Creates a new file for writing without replacing an existing one
 * (`name`, `name-1`, …) and without following a symlink planted at that name.
 */
export async function createTaskFile(dir: string, name: string) {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? name : `${stem}-${i}${ext}`;
    const full = path.join(dir, candidate);
    try {
      const handle = await open(full, "wx", 0o640);
      return { handle, name: candidate, full, discard: () => rm(full, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new AppError("conflict", "Too many files with that name.");
}

export interface ResolvedTaskFile {
  /** Real absolute path of the file (symlinks resolved, inside the task folder). */
  path: string;
  /** The file's own name, for Content-Disposition. */
  name: string;
  size: number;
}

/**
 * A path from a URL or a form, resolved to an existing regular file under
 * FILES_DIR/<taskId>/, or null: hostile input (NUL, absolute, "..", encoded
 * or double-encoded traversal, backslashes) is refused before touching the
 * disk, the lexical result must stay inside the task folder, and so must its
 * real path (a symlink out of the folder is refused). Never creates anything.
 */
export async function resolveTaskFile(filesDir: string, taskId: string, rawPath: string): Promise<ResolvedTaskFile | null> {
  if (!isUuid(taskId) || refusePath(rawPath)) return null;
  // Backslashes are separators on another system and never part of a stored name.
  if (rawPath.includes("\\")) return null;
  const root = path.resolve(filesDir);
  const base = path.resolve(root, taskId.toLowerCase());
  const target = path.resolve(base, rawPath);
  if (!inside(root, base) || !inside(base, target)) return null;
  try {
    const [realRoot, realBase, realTarget] = await Promise.all([realpath(root), realpath(base), realpath(target)]);
    if (!inside(realRoot, realBase) || !inside(realBase, realTarget)) return null;
    const info = await stat(realTarget);
    if (!info.isFile()) return null;
    return { path: realTarget, name: path.basename(realTarget), size: info.size };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "ELOOP" || code === "ENAMETOOLONG" || code === "EINVAL") return null;
    throw error;
  }
}

/**
 * Opens a resolved file for reading without following a symlink swapped in
 * since it was resolved, and checks it is still a regular file.
 */
export async function openTaskFile(file: ResolvedTaskFile) {
  const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AppError("not_found", "File not found.");
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
