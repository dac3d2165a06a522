import { chmod, cp, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "@react-router/dev/config";
import { build } from "vite";
import { buildVersion } from "./scripts/lib/build-version.mjs";

// PGlite loads its wasm/data files relative to the module at run time; the
// bundler does not emit them, so they are copied next to the server bundle.
// The schema (supabase/migrations and supabase/sql) travels with the bundle
// too, as build/server/supabase, so `build/` runs on its own. The command line
// (`mc`, server/mc.ts, decision 055) is bundled on its own into build/cli/mc.js,
// every dependency inlined like the server's. The embedded database's thread
// (app/db/pglite-worker.ts, decision 057) is bundled the same way into
// build/server/pglite-worker.js, next to PGlite's files, where it finds them.
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
    await buildPgliteWorker(root, serverDir);
    await buildCli(root);
  },
} satisfies Config;

/** One entry bundled on its own into `outDir/file` for Node, every dependency inlined. */
async function bundleEntry(
  root: string,
  entry: string,
  outDir: string,
  file: string,
  options: { emptyOutDir: boolean; define?: Record<string, string>; banner?: string },
): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: "warn",
    define: { ...options.define, "process.env.NODE_ENV": '"production"' },
    ssr: { noExternal: true },
    build: {
      ssr: path.join(root, entry),
      outDir,
      emptyOutDir: options.emptyOutDir,
      target: "node24",
      copyPublicDir: false,
      rollupOptions: { output: { entryFileNames: file, ...(options.banner ? { banner: options.banner } : {}) } },
    },
  });
}

async function buildPgliteWorker(root: string, outDir: string): Promise<void> {
  await bundleEntry(root, "app/db/pglite-worker.ts", outDir, "pglite-worker.js", { emptyOutDir: false });
}

async function buildCli(root: string): Promise<void> {
  const outDir = path.join(root, "build", "cli");
  await bundleEntry(root, "server/mc.ts", outDir, "mc.js", {
    emptyOutDir: true,
    define: { __APP_VERSION__: JSON.stringify(buildVersion(root)) },
    banner: "#!/usr/bin/env node",
  });
  await chmod(path.join(outDir, "mc.js"), 0o755);
}
