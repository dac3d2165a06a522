import { copyFile, rename, rm } from "node:fs/promises";
import { BackupError, findBackup, listBackups, pruneBackups, restoreBackup, takeBackup } from "#app/db/backup.server";
import { MigrationError } from "#app/db/migrations.server";
import { openDatabase } from "#app/db/open.server";
import { migrateWithBackup } from "#app/db/schema.server";
import type { Env } from "#app/env.server";
import { createLogger } from "#app/services/observability/logger.server";

// The bundle's database commands for deploys and operators (docs/PRODUCTION_SETUP.md):
//   node build/server/index.js migrate                     back up (when migrations are pending), then migrate
//   node build/server/index.js backup [--out FILE]         a backup now (default DATA_DIR/backups/<version>/)
//   node build/server/index.js backups list                the kept backups, newest first
//   node build/server/index.js backups drop VERSION…       remove the backups taken before these versions
//   node build/server/index.js restore FILE | --before VERSION
// The embedded database admits one process: stop the service before backup
// or restore (they refuse while it runs). With PostgreSQL, backup runs any
// time; stop the service before a restore.

export const DB_COMMANDS = ["migrate", "backup", "backups", "restore"] as const;

const USAGE = "usage: index.js migrate | backup [--out FILE] | backups list | backups drop VERSION… | restore FILE | restore --before VERSION";

/** Runs one command; exits non-zero with a one-line reason on bad input or failure. */
export async function runDbCommand(env: Env, version: string, argv: string[]): Promise<void> {
  const log = createLogger(env.LOG_LEVEL);
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "migrate": {
        const db = await openDatabase(env, log);
        try {
          const report = await migrateWithBackup(db, env.SCHEMA_DIR, log, { env, version });
          log.info(
            {
              event: "db.migrate_done",
              applied: report.applied,
              already_applied: report.skipped,
              functions: report.functions,
              adopted: report.adopted,
              newer: report.newer,
            },
            `applied ${report.applied.length} migration(s) and ${report.functions.length} function file(s)`,
          );
        } finally {
          await db.close();
        }
        return;
      }
      case "backup": {
        if (args.length !== 0 && !(args.length === 2 && args[0] === "--out")) return usage();
        const file = args[1] ? await backupTo(env, version, args[1]) : await takeBackup(env, { version });
        log.info({ event: "db.backup", file, version }, `backed up the database to ${file}`);
        process.stdout.write(`${file}\n`);
        return;
      }
      case "backups": {
        if (args[0] === "list" && args.length === 1) {
          for (const b of await listBackups(env)) for (const file of b.files) process.stdout.write(`${b.version}\t${file}\n`);
          return;
        }
        if (args[0] === "drop" && args.length > 1) {
          const removed = await pruneBackups(env, { drop: args.slice(1) });
          log.info({ event: "db.backups_pruned", removed }, `removed the backups of ${removed.length} release(s)`);
          return;
        }
        return usage();
      }
      case "restore": {
        let file: string;
        if (args.length === 1 && !args[0]!.startsWith("-")) file = args[0]!;
        else if (args.length === 2 && args[0] === "--before") file = await findBackup(env, args[1]!);
        else return usage();
        await restoreBackup(env, file);
        log.info({ event: "db.restored", file }, `restored the database from ${file}`);
        return;
      }
      default:
        return usage();
    }
  } catch (error) {
    if (error instanceof BackupError || error instanceof MigrationError) fail(error.message);
    throw error;
  }
}

async function backupTo(env: Env, version: string, out: string): Promise<string> {
  const file = await takeBackup(env, { version });
  await rename(file, out).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EXDEV") throw error;
    await copyFile(file, out);
    await rm(file);
  });
  return out;
}

function usage(): never {
  fail(USAGE, 64);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}
