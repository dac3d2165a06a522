import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

// The version reported by /api/health: package version plus the commit, or an
// explicit MC_BUILD_VERSION (deploys set it so a health check can tell releases apart).
function buildVersion(): string {
  if (process.env.MC_BUILD_VERSION) return process.env.MC_BUILD_VERSION;
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    return `${pkg.version}+${sha}`;
  } catch {
    return pkg.version;
  }
}

export default defineConfig(({ command }) => ({
  plugins: [reactRouter()],
  worker: { format: "es" },
  define: {
    __APP_VERSION__: JSON.stringify(buildVersion()),
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
