import { mkdir, open, realpath, rm } from "node:fs/promises";
import path from "node:path";
import { AppError } from "#app/domain/errors";

// Files live under FILES_DIR/<task id>/. Names are reduced to a safe
// basename, so traversal is impossible by construction; the resolved path is
// still checked against the base (with a separator), and the task directory's
// real path too, in case someone put a symlink there.

const SAFE = /[^A-Za-z0-9._-]+/g;

export function safeFileName(name: string): string {
  const base = path.basename(name.replaceAll("\\", "/")).normalize("NFKC");
  const cleaned = base.replace(SAFE, "_").replace(/^[._]+/, "").slice(0, 180);
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
