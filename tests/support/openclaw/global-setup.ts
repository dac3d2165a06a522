import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startOpenClaw, type GatewayAction, type OpenClawGateway } from "./gateway";
import { ensureOpenClaw } from "./install";
import { startStubModel, type StubModel } from "./stub-model";

// One stub model server and ONE real OpenClaw gateway for the whole run of the
// "gateway" project (the gateway takes 10–30 s to start and ~1 GB of memory).
// Test files run one after another; a file that restarts or stops the gateway
// does so through the control endpoint provided as gatewayControlUrl.

declare module "vitest" {
  interface ProvidedContext {
    gatewayUrl: string;
    gatewayToken: string;
    gatewayHttpUrl: string;
    gatewayControlUrl: string;
    /** The gateway's live config file (it hot-applies some sections, `mcp` among them). */
    gatewayConfigPath: string;
    stubUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const log = (msg: string) => process.stdout.write(`[openclaw] ${msg}\n`);
  const install = await ensureOpenClaw(log);
  const stub: StubModel = await startStubModel();
  let gateway: OpenClawGateway | null = null;
  let control: Server | null = null;
  try {
    const started = Date.now();
    gateway = await startOpenClaw({ modelBaseUrl: stub.url, install });
    log(`gateway ${install.version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${gateway.url}`);
    control = await startControl(gateway);
  } catch (error) {
    await gateway?.stop();
    await stub.close();
    throw error;
  }

  project.provide("gatewayUrl", gateway.url);
  project.provide("gatewayToken", gateway.token);
  project.provide("gatewayHttpUrl", gateway.httpUrl);
  project.provide("gatewayControlUrl", `http://127.0.0.1:${(control.address() as AddressInfo).port}/${controlSecret}`);
  project.provide("stubUrl", stub.url);
  project.provide("gatewayConfigPath", path.join(gateway.rootDir, "state", "openclaw.json"));

  return async () => {
    gateway?.resume(); // a failed test may have left it paused
    await new Promise<void>((resolve) => control?.close(() => resolve()) ?? resolve());
    await gateway?.stop();
    await stub.close();
  };
}

// A random path segment keeps other local processes from restarting our gateway.
const controlSecret = randomBytes(12).toString("hex");

async function startControl(gateway: OpenClawGateway): Promise<Server> {
  const actions: Record<GatewayAction, () => Promise<void>> = {
    restart: () => gateway.restart(),
    halt: () => gateway.halt("SIGTERM"),
    kill: () => gateway.halt("SIGKILL"),
    start: () => gateway.start(),
    pause: async () => gateway.pause(),
    resume: async () => gateway.resume(),
  };
  let busy: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const [secret, action] = (req.url ?? "").split("/").filter(Boolean);
    const run = req.method === "POST" && secret === controlSecret && action && Object.hasOwn(actions, action) ? actions[action as GatewayAction] : null;
    if (!run) {
      res.writeHead(404).end();
      return;
    }
    const started = Date.now();
    // One action at a time, in order.
    busy = busy.then(run).then(
      () => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, ms: Date.now() - started }));
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, ms: Date.now() - started, error: String(error) }));
      },
    );
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
