import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startServer } from "../support/server";

// One server for the e2e run: the built bundle on the embedded database,
// exactly as `npm start` runs it. Its address and set-up link go to a file the
// tests read; the returned function stops it. Web Push may go to a push
// service the tests start on this machine (installable.e2e.ts).
export const STATE_FILE = path.resolve("test-results/e2e-server.json");

export default async function globalSetup() {
  // Loopback is allowlisted so a spec's own receiver can stand in for a webhook or push endpoint.
  const server = await startServer({ env: { PUSH_ENDPOINT_ALLOWLIST: "127.0.0.1", TESTING_URL_ALLOWLIST: "127.0.0.1" } });
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify({ url: server.url, setupUrl: server.setupUrl }));
  process.env.MC_E2E_URL = server.url;
  return async () => {
    const errors = server.errors();
    await server.stop();
    if (errors.length > 0) throw new Error(`server logged errors during e2e:\n${JSON.stringify(errors, null, 2)}`);
  };
}
