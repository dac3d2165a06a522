import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GatewayClient, isGatewayProtocolResponseError, type DeviceIdentity } from "@openclaw/gateway-client";
import { backoffDelay } from "#app/domain/backoff";
import {
  assertSessionKeyForAgent,
  deviceIdFromPublicKey,
  laterRunOutcomes,
  parseAgentsList,
  parseAgentWait,
  runFinishedFromEvent,
  runOutcomeFromHistory,
  runUsageFromHistory,
  type RunFinished,
  type RunUsage,
} from "#app/domain/openclaw";
import { describeGatewayAgent, MAX_RECENT_SESSIONS, type GatewayAgentView, type GatewayRead } from "#app/domain/gateway-agent";
import type { Logger } from "#app/services/observability/logger.server";
import { SpanKind, withSpan } from "#app/services/observability/telemetry.server";

// The connection to the OpenClaw gateway (protocol v4 over WebSocket), built on
// @openclaw/gateway-client for framing, the challenge handshake and request
// correlation. This service owns everything around it: the persisted device
// identity, reconnecting forever with our backoff (one GatewayClient per
// connection attempt, so the library's own reconnect and its "pause on auth
// error" never strand us), fail-fast requests while disconnected, and
// run-completion events deduplicated per run. See docs/decisions/004.

export type { RunFinished, RunUsage } from "#app/domain/openclaw";

export type GatewayStatus = "connected" | "disconnected" | "disabled";

/** The gateway could not answer: reason is machine-readable ("gateway_disconnected", "gateway_timeout", "gateway_error:<code>", …). */
export class GatewayUnavailableError extends Error {
  readonly reason: string;

  constructor(reason: string, message?: string) {
    super(message ?? reason);
    this.name = "GatewayUnavailableError";
    this.reason = reason;
  }
}

export interface Gateway {
  readonly status: GatewayStatus;
  /** Connects in the background and reconnects forever (exponential backoff with jitter). Never throws. */
  start(): void;
  stop(): Promise<void>;
  onStatus(cb: (s: GatewayStatus) => void): () => void;
  listAgents(): Promise<Array<{ id: string; name: string | null; model: string | null }>>;
  /** Starts an agent run on exactly `sessionKey` (`agent:<agentId>:mc-task-<taskId>`). The run id is the idempotency key. */
  startRun(input: {
    agentId: string;
    sessionKey: string;
    message: string;
    idempotencyKey: string;
    extraSystemPrompt?: string;
  }): Promise<{ runId: string; sessionKey: string }>;
  /** Another turn on the same session (planning answers, stall nudges). */
  sendMessage(input: { agentId: string; sessionKey: string; message: string; idempotencyKey: string }): Promise<{ runId: string }>;
  /** `agent.wait`; when the gateway no longer knows a run it started for us (it restarted), the transcript answers. */
  waitRun(runId: string, timeoutMs: number): Promise<{ status: "ok" | "error" | "timeout" | "pending"; text: string | null }>;
  /** Usage of one run, summed from the assistant rows of `chat.history`; null when the run has none (yet). */
  runUsage(sessionKey: string, runId: string): Promise<RunUsage | null>;
  /** A run ended (agent lifecycle end / chat final), once per run id. */
  onRunFinished(cb: (e: RunFinished) => void): () => void;
  /** `chat.abort`: stops the session's run (that run only, when given); aborting a run that already ended is harmless. */
  abortRun(input: { sessionKey: string; runId?: string | null }): Promise<void>;
  /** An `exec.approval.requested` event (the raw payload; app/domain/exec-approvals.ts reads it). Needs the operator.approvals scope and the exec-approvals capability. */
  onExecApprovalRequested(cb: (payload: unknown) => void): () => void;
  /** `exec.approval.list`: the requests still waiting, to catch up on those that arrived while we were away. */
  listExecApprovals(): Promise<unknown[]>;
  /** `exec.approval.resolve`: the first answer wins on the gateway. */
  resolveExecApproval(id: string, decision: "allow-once" | "deny"): Promise<void>;
  /**
   * What the gateway says about one agent, for its page: `agents.list`, `config.get`, `exec.approvals.get` and
   * `sessions.list` at once, each within `timeoutMs`; a read that fails is reported, never thrown.
   */
  describeAgent(agentId: string, timeoutMs: number): Promise<GatewayAgentView>;
  /** One page of a session's transcript (`chat.history` by offset: 0 is the newest page; the answer's `nextOffset` is the page before). The raw payload; app/domain/transcript.ts reads it. */
  transcript(sessionKey: string, page: { limit: number; offset: number }): Promise<unknown>;
  /** Something happened on a session (an `agent` or `chat` event: text, a tool call, a result, the run's end); the session key, as often as the gateway sends them. */
  onSessionActivity(cb: (sessionKey: string) => void): () => void;
}

export interface GatewayOptions {
  url: string;
  token: string;
  /** Where gateway-device.json (the Ed25519 device identity, mode 0600) lives. */
  dataDir: string;
  log: Logger;
  /** Per-request deadline, default 15 s. */
  requestTimeoutMs?: number;
  /** Scopes asked for in `connect`; default operator admin/read/write/approvals. */
  scopes?: string[];
  /** Client capabilities declared in `connect`; default ["exec-approvals"]. */
  caps?: string[];
  /** For tests: the jitter source of backoffDelay. */
  random?: () => number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** operator.approvals and the exec-approvals capability: the gateway sends us its exec approval requests and takes our decisions (decision 043). */
const DEFAULT_SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals"];
const DEFAULT_CAPS = ["exec-approvals"];
/** A connection attempt that has not said hello by then is dropped and retried. */
const CONNECT_WATCHDOG_MS = 30_000;
const HISTORY_LIMIT = 500;
/** The agent page lists its latest sessions; the gateway's answer also carries the total. */
const AGENT_SESSIONS_LIMIT = MAX_RECENT_SESSIONS;
/** A page waits this long at most for a transcript page; past it the page says the gateway did not answer. */
const TRANSCRIPT_TIMEOUT_MS = 5_000;
/** How many run ids we remember (finished, for dedupe; started, for transcript fallbacks). */
const RUN_MEMORY = 5_000;
const DEVICE_FILE = "gateway-device.json";

// ---------------------------------------------------------------------------
// Device identity

interface DeviceFile {
  version: 1;
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  createdAt: string;
}

function rawPublicKey(publicKeyPem: string): Buffer {
  // SPKI DER of an Ed25519 key ends with the 32 raw key bytes.
  return createPublicKey(publicKeyPem).export({ type: "spki", format: "der" }).subarray(-32);
}

/** Loads `<dataDir>/gateway-device.json`, or creates it (mode 0600) with a fresh Ed25519 key. */
export function loadOrCreateDeviceIdentity(dataDir: string): DeviceIdentity {
  const file = path.join(dataDir, DEVICE_FILE);
  try {
    const stored = JSON.parse(readFileSync(file, "utf8")) as Partial<DeviceFile>;
    if (typeof stored.publicKeyPem === "string" && typeof stored.privateKeyPem === "string") {
      const deviceId = deviceIdFromPublicKey(rawPublicKey(stored.publicKeyPem));
      createPrivateKey(stored.privateKeyPem); // throws when corrupt
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { deviceId, publicKeyPem: stored.publicKeyPem, privateKeyPem: stored.privateKeyPem };
    }
    throw new Error(`${DEVICE_FILE} has no key pair`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }

  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const identity: DeviceFile = {
    version: 1,
    deviceId: deviceIdFromPublicKey(rawPublicKey(publicKeyPem)),
    publicKeyPem,
    privateKeyPem,
    createdAt: new Date().toISOString(),
  };
  mkdirSync(dataDir, { recursive: true });
  // Written then renamed: a crash never leaves half a key, and it is never readable by others.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return { deviceId: identity.deviceId, publicKeyPem, privateKeyPem };
}

// ---------------------------------------------------------------------------

/** Remembers up to `max` keys, forgetting the oldest. */
class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: string, value: V): this {
    if (!this.has(key) && this.size >= this.max) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

function toUnavailable(error: unknown): GatewayUnavailableError {
  if (error instanceof GatewayUnavailableError) return error;
  if (isGatewayProtocolResponseError(error)) {
    return new GatewayUnavailableError(`gateway_error:${error.gatewayCode || error.code || "unknown"}`, error.message);
  }
  if (errorCode(error) === "CLIENT_TIMEOUT") return new GatewayUnavailableError("gateway_timeout", (error as Error).message);
  // "gateway not connected", "gateway client stopped", "gateway closed (1012): …"
  return new GatewayUnavailableError("gateway_disconnected", error instanceof Error ? error.message : String(error));
}

class GatewayService implements Gateway {
  private current: GatewayStatus;
  private client: GatewayClient | null = null;
  private identity: DeviceIdentity | null = null;
  private running = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private readonly statusListeners = new Set<(s: GatewayStatus) => void>();
  private readonly finishedListeners = new Set<(e: RunFinished) => void>();
  private readonly execApprovalListeners = new Set<(payload: unknown) => void>();
  private readonly sessionActivityListeners = new Set<(sessionKey: string) => void>();
  /** Run id → session key of runs whose end we have not reported yet (ours, or seen in events). */
  private readonly openRuns = new BoundedMap<string>(RUN_MEMORY);
  /** Run ids already reported to onRunFinished. */
  private readonly finished = new BoundedMap<true>(RUN_MEMORY);
  /** Run id → session key of every run we know, for transcript fallbacks. */
  private readonly runSessions = new BoundedMap<string>(RUN_MEMORY);
  private readonly requestTimeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: GatewayOptions) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.log = opts.log;
    this.current = opts.url && opts.token ? "disconnected" : "disabled";
  }

  get status(): GatewayStatus {
    return this.current;
  }

  start(): void {
    if (this.current === "disabled" || this.running) return;
    this.running = true;
    try {
      this.identity ??= loadOrCreateDeviceIdentity(this.opts.dataDir);
    } catch (error) {
      // Without an identity nothing can connect; say so and keep retrying like any failure.
      this.log.error({ event: "gateway.device_identity_failed", err: error }, "cannot load or create the gateway device identity");
      this.scheduleReconnect();
      return;
    }
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clearTimers();
    const client = this.client;
    this.client = null;
    this.setStatus(this.current === "disabled" ? "disabled" : "disconnected");
    if (client) await client.stopAndWait({ timeoutMs: 2000 }).catch(() => {});
  }

  onStatus(cb: (s: GatewayStatus) => void): () => void {
    this.statusListeners.add(cb);
    return () => this.statusListeners.delete(cb);
  }

  onRunFinished(cb: (e: RunFinished) => void): () => void {
    this.finishedListeners.add(cb);
    return () => this.finishedListeners.delete(cb);
  }

  async listAgents() {
    return parseAgentsList(await this.request("agents.list", {}));
  }

  async startRun(input: { agentId: string; sessionKey: string; message: string; idempotencyKey: string; extraSystemPrompt?: string }) {
    return { runId: await this.agentTurn(input), sessionKey: input.sessionKey };
  }

  async sendMessage(input: { agentId: string; sessionKey: string; message: string; idempotencyKey: string }) {
    // `agent` with the same full key appends a turn to that session (the model sees the earlier turns).
    return { runId: await this.agentTurn(input) };
  }

  /** One `agent` turn on exactly the given session; both a first dispatch and a follow-up use it. */
  private async agentTurn(input: { agentId: string; sessionKey: string; message: string; idempotencyKey: string; extraSystemPrompt?: string }) {
    assertSessionKeyForAgent(input.sessionKey, input.agentId);
    const payload = await this.request<{ runId?: unknown; sessionKey?: unknown }>("agent", {
      message: input.message,
      idempotencyKey: input.idempotencyKey,
      agentId: input.agentId,
      sessionKey: input.sessionKey,
      ...(input.extraSystemPrompt ? { extraSystemPrompt: input.extraSystemPrompt } : {}),
    });
    return this.acceptRun(payload, input);
  }

  async waitRun(runId: string, timeoutMs: number) {
    const payload = await this.request("agent.wait", { runId, timeoutMs }, timeoutMs + this.requestTimeoutMs);
    const result = parseAgentWait(payload);
    if (result.status !== "timeout" && result.status !== "pending") return result;
    // The gateway keeps runs in memory: after it restarted it answers "timeout"
    // for a finished run. The transcript still has the run's final row.
    const sessionKey = this.runSessions.get(runId);
    if (!sessionKey) return result;
    const outcome = runOutcomeFromHistory(await this.history(sessionKey), runId);
    return outcome ?? result;
  }

  async abortRun(input: { sessionKey: string; runId?: string | null }) {
    await this.request("chat.abort", { sessionKey: input.sessionKey, ...(input.runId ? { runId: input.runId } : {}) });
  }

  async runUsage(sessionKey: string, runId: string) {
    return runUsageFromHistory(await this.history(sessionKey), runId);
  }

  onExecApprovalRequested(cb: (payload: unknown) => void): () => void {
    this.execApprovalListeners.add(cb);
    return () => this.execApprovalListeners.delete(cb);
  }

  async listExecApprovals(): Promise<unknown[]> {
    const payload = await this.request<unknown>("exec.approval.list", {});
    return Array.isArray(payload) ? payload : [];
  }

  async resolveExecApproval(id: string, decision: "allow-once" | "deny"): Promise<void> {
    await this.request("exec.approval.resolve", { id, decision });
  }

  async describeAgent(agentId: string, timeoutMs: number): Promise<GatewayAgentView> {
    const read = (method: string, params: unknown): Promise<GatewayRead> =>
      this.request(method, params, timeoutMs).then(
        (payload) => ({ ok: true, payload }),
        (error: unknown) => ({ ok: false, reason: toUnavailable(error).reason }),
      );
    const [agents, config, execApprovals, sessions] = await Promise.all([
      read("agents.list", {}),
      read("config.get", {}),
      read("exec.approvals.get", {}),
      read("sessions.list", { agentId, limit: AGENT_SESSIONS_LIMIT }),
    ]);
    return describeGatewayAgent(agentId, { agents, config, execApprovals, sessions });
  }

  async transcript(sessionKey: string, page: { limit: number; offset: number }): Promise<unknown> {
    return this.request("chat.history", { sessionKey, limit: page.limit, offset: page.offset }, Math.min(TRANSCRIPT_TIMEOUT_MS, this.requestTimeoutMs));
  }

  onSessionActivity(cb: (sessionKey: string) => void): () => void {
    this.sessionActivityListeners.add(cb);
    return () => this.sessionActivityListeners.delete(cb);
  }

  // -------------------------------------------------------------------------

  private history(sessionKey: string): Promise<unknown> {
    return this.request("chat.history", { sessionKey, limit: HISTORY_LIMIT });
  }

  private acceptRun(payload: { runId?: unknown; sessionKey?: unknown }, input: { sessionKey: string; idempotencyKey: string }): string {
    // A repeated idempotency key answers the earlier run's result without a sessionKey.
    if (typeof payload.sessionKey === "string" && payload.sessionKey !== input.sessionKey) {
      throw new GatewayUnavailableError("gateway_error:session_mismatch", `run landed on ${payload.sessionKey}, not ${input.sessionKey}`);
    }
    const runId = typeof payload.runId === "string" && payload.runId ? payload.runId : input.idempotencyKey;
    this.runSessions.set(runId, input.sessionKey);
    if (!this.finished.has(runId)) this.openRuns.set(runId, input.sessionKey);
    return runId;
  }

  private async request<T = unknown>(method: string, params: unknown, timeoutMs = this.requestTimeoutMs): Promise<T> {
    const client = this.client;
    if (this.current === "disabled") throw new GatewayUnavailableError("gateway_disabled", "the gateway is not configured");
    if (!client || this.current !== "connected") {
      throw new GatewayUnavailableError("gateway_disconnected", `gateway not connected (${method})`);
    }
    const started = Date.now();
    return withSpan(`gateway ${method}`, { kind: SpanKind.CLIENT, attributes: { "rpc.system.name": "openclaw", "rpc.method": method } }, async () => {
      try {
        return await client.request<T & Record<string, unknown>>(method, params, { timeoutMs });
      } catch (error) {
        const failure = toUnavailable(error);
        this.log.warn({ event: "gateway.request_failed", method, reason: failure.reason, duration_ms: Date.now() - started, msg_detail: failure.message });
        throw failure;
      }
    });
  }

  private connect(): void {
    if (!this.running || !this.identity) return;
    const attempt = this.attempt;
    const client: GatewayClient = new GatewayClient({
      url: this.opts.url,
      token: this.opts.token,
      clientName: "gateway-client",
      clientDisplayName: "Mission Control",
      mode: "backend",
      role: "operator",
      scopes: this.opts.scopes ?? DEFAULT_SCOPES,
      caps: this.opts.caps ?? DEFAULT_CAPS,
      minProtocol: 4,
      maxProtocol: 4,
      requestTimeoutMs: this.requestTimeoutMs,
      deviceIdentity: this.identity,
      notifyOnStartupRetry: true,
      hostDeps: {
        signDevicePayload: (privateKeyPem, payload) => sign(null, Buffer.from(payload, "utf8"), createPrivateKey(privateKeyPem)).toString("base64url"),
        publicKeyRawBase64UrlFromPem: (publicKeyPem) => rawPublicKey(publicKeyPem).toString("base64url"),
        logDebug: (message) => this.log.debug({ event: "gateway.client_debug" }, message),
        logError: (message) => this.log.debug({ event: "gateway.client_error" }, message),
      },
      onHelloOk: (hello) => {
        if (this.client !== client) return;
        this.clearWatchdog();
        this.attempt = 0;
        this.log.info({ event: "gateway.connected", url: this.opts.url, protocol: hello.protocol, server_version: hello.server?.version, attempt });
        this.setStatus("connected");
        void this.reconcileOpenRuns();
      },
      onConnectError: (error) => this.drop(client, `connect failed: ${error.message}`),
      onClose: (code, reason) => this.drop(client, `closed (${code})${reason ? `: ${reason}` : ""}`),
      onReconnectPaused: (info) => this.drop(client, `reconnect paused (${info.code}): ${info.reason}`),
      onEvent: (frame) => {
        if (this.client === client) this.handleEvent(frame.event, frame.payload);
      },
    });
    this.client = client;
    this.watchdog = setTimeout(() => this.drop(client, "no hello within the connect deadline"), CONNECT_WATCHDOG_MS);
    this.watchdog.unref?.();
    try {
      client.start();
    } catch (error) {
      this.drop(client, `cannot open the socket: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Retires a connection (whatever ended it) and schedules the next one. */
  private drop(client: GatewayClient, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.clearWatchdog();
    client.stop(); // rejects its pending requests; its own reconnect never runs
    const wasConnected = this.current === "connected";
    this.setStatus("disconnected");
    const delay = this.scheduleReconnect();
    const entry = { event: "gateway.disconnected", url: this.opts.url, reason: why, attempt: this.attempt, retry_in_ms: delay };
    // A gateway that is down stays quiet after the first few attempts.
    if (wasConnected || this.attempt <= 3) this.log.warn(entry);
    else this.log.debug(entry);
  }

  private scheduleReconnect(): number | null {
    if (!this.running) return null;
    const delay = backoffDelay(this.attempt, this.opts.random);
    this.attempt += 1;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.identity) {
        this.running = false;
        this.start();
        return;
      }
      this.connect();
    }, delay);
    this.reconnectTimer.unref?.();
    return delay;
  }

  private handleEvent(event: string, payload: unknown): void {
    if (event === "exec.approval.requested") {
      for (const cb of this.execApprovalListeners) {
        try {
          cb(payload);
        } catch (error) {
          this.log.error({ event: "gateway.listener_failed", err: error }, "exec approval listener threw");
        }
      }
      return;
    }
    if (event !== "agent" && event !== "chat") return;
    const p = payload as { runId?: unknown; sessionKey?: unknown } | null;
    if (p && typeof p.runId === "string" && typeof p.sessionKey === "string" && !this.runSessions.has(p.runId)) {
      this.runSessions.set(p.runId, p.sessionKey);
    }
    const finished = runFinishedFromEvent(event, payload);
    if (finished) this.emitFinished(finished);
    this.emitSessionActivity(p);
  }

  /** `agent` events may carry only the run id: the session is the one that run was started or seen on. */
  private emitSessionActivity(p: { runId?: unknown; sessionKey?: unknown } | null): void {
    if (this.sessionActivityListeners.size === 0 || !p) return;
    const sessionKey = typeof p.sessionKey === "string" ? p.sessionKey : typeof p.runId === "string" ? this.runSessions.get(p.runId) : undefined;
    if (!sessionKey) return;
    for (const cb of this.sessionActivityListeners) {
      try {
        cb(sessionKey);
      } catch (error) {
        this.log.error({ event: "gateway.listener_failed", err: error }, "session activity listener threw");
      }
    }
  }

  private emitFinished(e: RunFinished): void {
    if (this.finished.has(e.runId)) return;
    this.finished.set(e.runId, true);
    this.openRuns.delete(e.runId);
    for (const cb of this.finishedListeners) {
      try {
        cb(e);
      } catch (error) {
        this.log.error({ event: "gateway.listener_failed", err: error, run_id: e.runId }, "onRunFinished listener threw");
      }
    }
  }

  /**
   * Runs that ended while we were disconnected: their events are gone, the
   * transcript is not. A run cut off by a gateway crash never ends; the
   * gateway resumes its session with a new run, which is reported instead
   * (same session key, new run id) and the cut-off run is forgotten.
   */
  private async reconcileOpenRuns(): Promise<void> {
    const bySession = new Map<string, string[]>();
    for (const [runId, sessionKey] of this.openRuns) bySession.set(sessionKey, [...(bySession.get(sessionKey) ?? []), runId]);
    for (const [sessionKey, runIds] of bySession) {
      if (this.current !== "connected") return;
      try {
        const history = await this.history(sessionKey);
        for (const runId of runIds) {
          const outcome = runOutcomeFromHistory(history, runId);
          if (outcome) {
            this.emitFinished({ runId, sessionKey, ...outcome });
            continue;
          }
          const later = laterRunOutcomes(history, runId);
          for (const run of later) this.emitFinished({ sessionKey, ...run });
          if (later.length > 0) this.openRuns.delete(runId);
        }
      } catch {
        // Logged by request(); the next reconnect tries again.
      }
    }
  }

  private setStatus(next: GatewayStatus): void {
    if (this.current === next) return;
    this.current = next;
    for (const cb of this.statusListeners) {
      try {
        cb(next);
      } catch (error) {
        this.log.error({ event: "gateway.listener_failed", err: error }, "onStatus listener threw");
      }
    }
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private clearTimers(): void {
    this.clearWatchdog();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

/** A gateway connection; status "disabled" when url or token is empty. Call start() to connect. */
export function createGateway(opts: {
  url: string;
  token: string;
  dataDir: string;
  log: Logger;
  requestTimeoutMs?: number;
  scopes?: string[];
  caps?: string[];
  random?: () => number;
}): Gateway {
  return new GatewayService(opts);
}
