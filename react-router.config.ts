import { cp, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "@react-router/dev/config";

// PGlite loads its wasm/data files relative to the module at run time; the
// bundler does not emit them, so they are copied next to the server bundle.
// Migrations travel with the bundle too, so `build/` runs on its own.
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
    await cp(path.join(root, "supabase/migrations"), path.join(serverDir, "migrations"), { recursive: true });
  },
} satisfies Config;
