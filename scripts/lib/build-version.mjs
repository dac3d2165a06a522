// The version a build reports on /api/health: the package's version plus the
// commit, or an explicit MC_BUILD_VERSION (deploys set it so a health check
// can tell releases apart). Read by vite.config.ts and by `npm test`, which
// builds once with the deploy placeholder and stamps this version into the
// copy the other suites run.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const DEPLOY_VERSION_PLACEHOLDER = "MC_DEPLOY_VERSION_PLACEHOLDER";

export function buildVersion(root, env = process.env) {
  if (env.MC_BUILD_VERSION) return env.MC_BUILD_VERSION;
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    return `${pkg.version}+${sha}`;
  } catch {
    return pkg.version;
  }
}

/** Replaces the deploy placeholder with `version` in every file of a build, as a deploy does (scripts/lib/deploy-common.sh). */
export function stampVersion(buildDir, version) {
  for (const entry of readdirSync(buildDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, "latin1");
    if (text.includes(DEPLOY_VERSION_PLACEHOLDER)) writeFileSync(file, text.replaceAll(DEPLOY_VERSION_PLACEHOLDER, version), "latin1");
  }
}
