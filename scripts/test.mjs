// `npm test`: every suite, one summary. Installs what a fresh machine lacks,
// builds the bundle the integration and e2e tests start, then runs lint,
// typecheck, vitest (unit + integration, then the gateway contract suite, then
// the deploy scripts) and Playwright (e2e), and ends with
// one line `N passed, N failed[, N skipped]`. Exit status is non-zero on any failure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT, ensureBuild, ensureDependencies, run } from "./lib/ensure.mjs";

const RESULTS = path.join(ROOT, "test-results");

function ensureChromium() {
  const browser = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(browser)) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root && spawnSync("which", ["apt-get"]).status === 0) {
    console.log("Installing Debian's Chromium for the browser tests…");
    const apt = (args) => spawnSync("apt-get", args, { stdio: "inherit" }).status === 0;
    if (apt(["update", "-qq"]) && apt(["install", "-y", "-qq", "chromium"])) return;
  }
  console.error(`Chromium not found at ${browser}. Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const wants = (suite) => only.length === 0 || only.includes(suite);

ensureDependencies();
ensureChromium();
rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });

for (const [suite, args] of [
  ["lint", ["run", "lint", "--silent"]],
  ["typecheck", ["run", "typecheck", "--silent"]],
]) {
  if (!wants(suite)) continue;
  const ok = run("npm", args) === 0;
  totals[ok ? "passed" : "failed"] += 1;
  console.log(`${suite}: ${ok ? "ok" : "FAILED"}`);
}

if (["unit", "integration", "gateway", "e2e"].some(wants)) ensureBuild({ force: true });

/** One vitest run over some projects; its JSON report's counts join the totals. */
function vitestSuite(projects, name) {
  const outputFile = path.join(RESULTS, `${name}.json`);
  const args = projects.flatMap((p) => ["--project", p]);
  const status = run("vitest", ["run", ...args, "--reporter=default", "--reporter=json", `--outputFile=${outputFile}`]);
  const report = readJson(outputFile);
  if (report) {
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  }
  // A crash outside any test (a failing setup file) still fails the run.
  if (status !== 0 && (!report || report.numFailedTests === 0)) totals.failed += 1;
}

const fast = ["unit", "integration"].filter(wants);
if (fast.length > 0) vitestSuite(fast, "vitest");
// The real OpenClaw gateway (installed into a cache outside the project on
// first use) with a stub model, and the deploy scripts against a local target
// (each builds its own bundles): separate runs, so they do not compete with the
// integration suites for the two cores.
if (wants("gateway")) vitestSuite(["gateway"], "gateway");
if (wants("deploy")) vitestSuite(["deploy"], "deploy");

if (wants("e2e")) {
  const status = run("playwright", ["test"]);
  const report = readJson(path.join(RESULTS, "e2e.json"));
  const stats = report?.stats;
  if (stats) {
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
  }
  if (status !== 0 && (!stats || stats.unexpected === 0)) totals.failed += 1;
}

const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : "";
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 ? 1 : 0);
