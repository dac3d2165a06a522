import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../ports";
import { ensureOpenClaw, type OpenClawInstall } from "./install";

// Runs the real OpenClaw gateway on loopback, hermetically: a fresh temp dir
// holds its state, config, HOME and TMPDIR; the only model is the stub
// (models.providers.stub, cost {input: 1, output: 2} USD per 1M tokens).

export interface OpenClawGateway {
  /** ws://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  token: string;
  port: number;
  /** The temp dir holding state, config, HOME, TMPDIR and the gateway log. */
  rootDir: string;
  /** Last ~16 KB the gateway printed (for failure messages). */
  output(): string;
  /** SIGTERM, wait for exit, remove the temp dir. */
  stop(): Promise<void>;
  /** SIGTERM, wait for exit, start again on the same port, state dir and config. */
  restart(): Promise<void>;
  /**
   * Stops the process and waits for its exit, keeping the state (for "gateway
   * down" tests); start() brings it back. SIGTERM lets the gateway drain
   * active runs first (it waits for them, up to minutes); SIGKILL is a crash.
   */
  halt(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays open but nothing answers (request timeouts). */
  pause(): void;
  resume(): void;
}

export interface StartOpenClawOptions {
  /** The stub model server's base URL (with or without /v1). */
  modelBaseUrl: string;
  readyTimeoutMs?: number;
  install?: OpenClawInstall;
}

const READY_TIMEOUT_MS = 90_000;
/** SIGTERM drains active runs (the gateway's own budget is 315 s); past this we SIGKILL. */
const STOP_TIMEOUT_MS = 60_000;

export function openclawConfig(opts: { token: string; modelBaseUrl: string }) {
  const baseUrl = opts.modelBaseUrl.replace(/\/+$/, "").replace(/(\/v1)?$/, "/v1");
  return {
    gateway: { mode: "local", auth: { token: opts.token } },
    models: {
      providers: {
        stub: {
          api: "openai-completions",
          baseUrl,
          apiKey: "stub",
          models: [{ id: "stub-model", name: "Stub model", cost: { input: 1, output: 2 } }],
        },
      },
    },
    agents: {
      defaults: {
        model: { primary: "stub/stub-model" },
        heartbeat: { every: "0m" },
      },
    },
    // Every command asks its approval clients first (Mission Control among
    // them), as docs/PRODUCTION_SETUP.md recommends; without an answer, deny.
    tools: { exec: { security: "allowlist", ask: "always" } },
  };
}

export { freePort };

/** Environment for the gateway: the parent's minus anything that could reach a real model or account. */
function gatewayEnv(dirs: { state: string; config: string; home: string; tmp: string }, node: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OPENCLAW_|OPENAI_|ANTHROPIC_|GEMINI_|GOOGLE_|MISTRAL_|OPENROUTER_|XAI_|GROQ_|AWS_|AZURE_|VITEST|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, ".config"),
    XDG_CACHE_HOME: path.join(dirs.home, ".cache"),
    XDG_DATA_HOME: path.join(dirs.home, ".local", "share"),
    TMPDIR: dirs.tmp,
    OPENCLAW_STATE_DIR: dirs.state,
    OPENCLAW_CONFIG_PATH: dirs.config,
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_NO_AUTO_UPDATE: "1",
    NO_COLOR: "1",
  };
}

export async function startOpenClaw(opts: StartOpenClawOptions): Promise<OpenClawGateway> {
  const install = opts.install ?? (await ensureOpenClaw());
  const readyTimeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const token = randomBytes(24).toString("hex");
  const port = await freePort();
  const rootDir = mkdtempSync(path.join(os.tmpdir(), "mc-openclaw-"));
  const dirs = {
    state: path.join(rootDir, "state"),
    config: path.join(rootDir, "state", "openclaw.json"),
    home: path.join(rootDir, "home"),
    tmp: path.join(rootDir, "tmp"),
  };
  for (const dir of [dirs.state, dirs.home, dirs.tmp]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The pristine config is kept beside the state dir: the gateway rewrites the live one.
  const template = path.join(rootDir, "openclaw.template.json");
  writeFileSync(template, `${JSON.stringify(openclawConfig({ token, modelBaseUrl: opts.modelBaseUrl }), null, 2)}\n`, { mode: 0o600 });
  copyFileSync(template, dirs.config);

  const env = gatewayEnv(dirs, install.node);
  const logFile = createWriteStream(path.join(rootDir, "gateway.log"), { flags: "a" });
  let tail = "";
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(install.node, [install.entry, "gateway", "run", "--port", String(port), "--bind", "loopback"], {
      cwd: dirs.home,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const onData = (chunk: Buffer) => {
      logFile.write(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-16_000);
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    let exitInfo: string | null = null;
    exited = new Promise<void>((resolve) => {
      proc.once("exit", (code, signal) => {
        exitInfo = signal ?? `exit ${code}`;
        if (child === proc) child = null;
        resolve();
      });
    });

    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (exitInfo) throw new Error(`openclaw gateway exited before ready (${exitInfo}${exitInfo === "exit 78" ? ": config error" : ""}):\n${tail}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json().catch(() => null)) as { ready?: boolean } | null;
        if (res.ok && body?.ready === true) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await halt();
        throw new Error(`openclaw gateway not ready within ${readyTimeoutMs} ms:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function halt(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    proc.kill("SIGCONT"); // a paused gateway would never see the SIGTERM
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  await start();

  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    token,
    port,
    rootDir,
    output: () => tail,
    start,
    halt,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      process.off("exit", killOnExit);
      await new Promise<void>((resolve) => logFile.end(() => resolve()));
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

/** What the global setup's control endpoint can do to the shared gateway (from test workers). */
export type GatewayAction = "restart" | "halt" | "kill" | "start" | "pause" | "resume";

/** Typed client for the global setup's gateway control endpoint. */
export function gatewayControl(url: string) {
  async function call(action: GatewayAction): Promise<{ ok: true; ms: number }> {
    const res = await fetch(`${url.replace(/\/+$/, "")}/${action}`, { method: "POST" });
    const body = (await res.json()) as { ok: boolean; ms: number; error?: string };
    if (!res.ok || !body.ok) throw new Error(`gateway ${action} failed: ${body.error ?? res.status}`);
    return { ok: true, ms: body.ms };
  }
  return {
    /** SIGTERM (the gateway drains active runs), wait for exit, start again; resolves once ready. */
    restart: () => call("restart"),
    /** SIGTERM and wait for exit; the gateway stays down until start(). */
    halt: () => call("halt"),
    /** SIGKILL: a crash, active runs are cut off. */
    kill: () => call("kill"),
    start: () => call("start"),
    /** SIGSTOP: connected but silent. */
    pause: () => call("pause"),
    resume: () => call("resume"),
  };
}
