import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { PLACEHOLDER, REPO_ROOT, makeClone, must, tempDir } from "./support";

// One build for the whole deploy suite: the working tree, built in a throwaway
// copy with the version placeholder (as CI builds once and deploys the
// artefact), so each file deploys it with DEPLOY_SKIP_BUILD=1 and each release
// still reports its own tag. `npm test` builds that once for every suite and
// passes it in MC_DEPLOY_PREBUILT; run on its own, the suite builds it here.

declare module "vitest" {
  interface ProvidedContext {
    deployPrebuilt: string;
  }
}

export default async function setup(project: TestProject) {
  const given = process.env.MC_DEPLOY_PREBUILT;
  const server = given ? path.join(given, "server/index.js") : "";
  if (given && existsSync(server) && readFileSync(server, "utf8").includes(PLACEHOLDER)) {
    project.provide("deployPrebuilt", given);
    return;
  }
  const work = tempDir("mc-deploy-build-");
  const clone = await makeClone(work);
  await must("npm", ["run", "build", "--silent"], {
    cwd: clone,
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${path.join(REPO_ROOT, "node_modules/.bin")}${path.delimiter}${process.env.PATH ?? ""}`,
      MC_BUILD_VERSION: PLACEHOLDER,
    },
    timeoutMs: 300_000,
  });
  const prebuilt = path.join(work, "prebuilt");
  cpSync(path.join(clone, "build"), prebuilt, { recursive: true });
  project.provide("deployPrebuilt", prebuilt);
  return () => rmSync(work, { recursive: true, force: true });
}
