import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";
import { buildVersion } from "./scripts/lib/build-version.mjs";

export default defineConfig(({ command }) => ({
  plugins: [reactRouter()],
  worker: { format: "es" },
  define: {
    __APP_VERSION__: JSON.stringify(buildVersion(import.meta.dirname)),
    ...(command === "build" ? { "process.env.NODE_ENV": '"production"' } : {}),
  },
  // The production server bundle inlines every dependency so it runs without node_modules.
  ssr: command === "build" ? { noExternal: true } : undefined,
  environments: {
    // React, React DOM and React Router load on every page: one file for all of
    // them compresses smaller than the four pieces they would otherwise be split
    // into, and is one request.
    client: {
      build: {
        rolldownOptions: {
          output: { codeSplitting: { groups: [{ name: "framework", test: /node_modules\/(react|react-dom|scheduler|react-router)\// }] } },
        },
      },
    },
    // The server bundle's entry is our own HTTP server, which imports the React Router build.
    ssr: { build: { rollupOptions: { input: "./server/index.ts" }, target: "node24" } },
  },
}));
