import { cp, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "@react-router/dev/config";

// PGlite loads its wasm/data files relative to the module at run time; the
// bundler does not emit them, so they are copied next to the server bundle.
// The schema (supabase/migrations and supabase/sql) travels with the bundle
// too, as build/server/supabase, so `build/` runs on its own.
const PGLITE_FILES = ["pglite.wasm", "initdb.wasm", "pglite.data"];

export default {
  ssr: true,
  async buildEnd({ viteConfig }) {
    const root = viteConfig.root;
    const serverDir = path.join(root, "build", "server");
    await mkdir(serverDir, { recursive: true });
    for (const file of PGLITE_FILES) {
      await cp(path.join(root, "node_modules/@electric-sql/pglite/dist", file), path.join(serverDir, file));
    }
    for (const dir of ["migrations", "sql"]) {
      await cp(path.join(root, "supabase", dir), path.join(serverDir, "supabase", dir), { recursive: true });
    }
  },
} satisfies Config;
