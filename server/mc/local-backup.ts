import { spawn } from "node:child_process";
import path from "node:path";
import { EXIT } from "#app/domain/cli-exit-codes";
import { CliError } from "./api-client";

// `mc backup` runs on the server's machine (decision 055): the bundle's own
// `node build/server/index.js backup [--out FILE]` (server/db-commands.ts,
// decision 039) with this process's environment, so DATA_DIR and
// DATABASE_URL are the service's when run as its user with its environment
// file. Its log line stays out of the way; its error message is ours.

/** Runs the backup; the file it wrote. */
export function runLocalBackup(buildDir: string, out: string | undefined): Promise<string> {
  const entry = path.join(buildDir, "server", "index.js");
  const args = [entry, "backup", ...(out ? ["--out", path.resolve(out)] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => reject(new CliError(EXIT.unexpected, `The backup could not start: ${error.message}`)));
    child.on("close", (code) => {
      // stdout: the JSON log line and the file's path alone on a line. The logger writes
      // asynchronously, so its line may come after the path: take the line that is not JSON.
      const file = stdout
        .split("\n")
        .map((line) => line.trim())
        .findLast((line) => line !== "" && !line.startsWith("{"));
      if (code === 0 && file) return resolve(file);
      const message = stderr.trim().replace(/^error: /, "") || `The backup failed (exit ${code}).`;
      // 78: the environment is not a valid configuration (the bundle's own check).
      reject(new CliError(code === 78 ? EXIT.usage : EXIT.unexpected, message));
    });
  });
}
