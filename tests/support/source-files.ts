import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

// The repository's own source files, for the tests that scan them (typed calls
// only, no shell strings): paths relative to the repository root, with "/".

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const SKIP_DIRS = new Set(["node_modules", "build", ".react-router", "coverage"]);
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** A path below the repository root as the scans name it ("app/db/x.ts"). */
export const repoPath = (full: string) => path.relative(REPO_ROOT, full).split(path.sep).join("/");

/** Every TypeScript and JavaScript source file below the given top-level folders. */
export function sourceFiles(folders: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.name.startsWith(".") || SKIP_DIRS.has(entry.name)) return [];
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.isFile() && SOURCE.test(entry.name) ? [repoPath(full)] : [];
    });
  return folders.flatMap((folder) => walk(path.join(REPO_ROOT, folder)));
}

export const readRepoFile = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
