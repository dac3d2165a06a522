import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Function files for `supabase db push --include-seed`. The CLI runs a seed
// file once per path and, when a file it already ran changes, only updates
// its recorded hash without running it again. So each function file is staged
// under a name that carries its content's hash, supabase/.release/
// NN_area.<sha8>.sql (named by `[db.seed] sql_paths` in supabase/config.toml):
// a changed file is a new seed, which the CLI runs; an unchanged one is a seed
// it already ran. The app never relies on this record: its runner applies any
// function file it has not applied itself (app/db/migrations.server.ts).

export const RELEASE_DIR = ".release";

/** Replaces <supabaseDir>/.release with a copy of every sql/ file named by its hash; returns the staged names. */
export function stageSqlRelease(supabaseDir: string): string[] {
  const source = path.join(supabaseDir, "sql");
  const target = path.join(supabaseDir, RELEASE_DIR);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const staged: string[] = [];
  for (const name of readdirSync(source)
    .filter((n) => n.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(path.join(source, name));
    const sha8 = createHash("sha256").update(sql).digest("hex").slice(0, 8);
    const file = `${name.replace(/\.sql$/, "")}.${sha8}.sql`;
    writeFileSync(path.join(target, file), sql);
    staged.push(file);
  }
  return staged;
}
