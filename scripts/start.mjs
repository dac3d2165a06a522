// `npm start`: installs if needed, builds if stale, then runs the bundle on
// Node 24. The server migrates its database and logs JSON lines to stdout,
// which pass through unchanged (so `npm start | jq` and journald keep
// working); once it listens, a short banner for the person at the terminal
// goes to stderr, with the set-up link while no administrator exists.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { ROOT, ensureBuild, ensureDependencies, node24 } from "./lib/ensure.mjs";

ensureDependencies();
ensureBuild();
const child = spawn(node24(), [path.join(ROOT, "build/server/index.js"), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: ["inherit", "pipe", "inherit"],
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

let setupUrl = null;
createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => {
  process.stdout.write(`${line}\n`);
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  // Lines are {timestamp, level, event, data} (logger.server.ts).
  if (entry?.event === "setup.link") setupUrl = String(entry.data?.url);
  if (entry?.event === "server.listening") process.stderr.write(banner(listeningUrl(entry.data ?? {}), setupUrl));
});

function listeningUrl(entry) {
  const host = String(entry.host).includes(":") ? `[${entry.host}]` : entry.host;
  return `http://${host}:${entry.port}`;
}

function banner(url, setup) {
  const lines = ["", `  Mission Control is running at ${url}`];
  if (setup) lines.push("", "  No administrator yet. Open this link to create one (it works for 24 hours):", `  ${setup}`);
  lines.push("", "  Stop it with Ctrl+C.", "");
  return `${lines.join("\n")}\n`;
}
