// `npm start`: installs if needed, builds if stale, then runs the bundle on
// Node 24. The server migrates its database and prints the set-up link itself.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT, ensureBuild, ensureDependencies, node24 } from "./lib/ensure.mjs";

ensureDependencies();
ensureBuild();
const child = spawn(node24(), [path.join(ROOT, "build/server/index.js"), ...process.argv.slice(2)], { cwd: ROOT, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
