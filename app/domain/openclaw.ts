import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";

// Pure pieces of the OpenClaw gateway protocol (v4): session keys, the device
// signature payload, and reading runs, usage and completion out of gateway
// answers and events. The connection itself lives in app/services/agent-plane/gateway.server.ts.

// ---------------------------------------------------------------------------
// Session keys

/**
 * One session per task and pipeline stage: `agent:<agentId>:mc-task-<taskId>`
 * for stage 1 (and tasks outside a pipeline), `…-s<n>` for stage n > 1.
 * The SQL function task_session_key builds the same key.
 */
export function taskSessionKey(agentId: string, taskId: string, stage?: number | null): string {
  if (!agentId || agentId.includes(":")) throw new Error(`invalid OpenClaw agent id: ${JSON.stringify(agentId)}`);
  if (!taskId) throw new Error("task id is required");
  return `agent:${agentId}:mc-task-${taskId}${stage && stage > 1 ? `-s${stage}` : ""}`;
}

/** Splits `agent:<agentId>:<rest>`; null for anything else (a bare key, another scheme). */
export function parseSessionKey(key: string): { agentId: string; rest: string } | null {
  const match = /^agent:([^:]+):(.+)$/.exec(key);
  return match ? { agentId: match[1]!, rest: match[2]! } : null;
}

/** The task id and stage of a `agent:<agent>:mc-task-<taskId>[-s<n>]` key, or null. */
export function parseTaskSessionKey(key: string): { taskId: string; stage: number } | null {
  const parsed = parseSessionKey(key);
  if (!parsed?.rest.startsWith("mc-task-")) return null;
  const match = /^(.+?)(?:-s(\d+))?$/.exec(parsed.rest.slice("mc-task-".length));
  if (!match?.[1]) return null;
  return { taskId: match[1], stage: match[2] ? Number(match[2]) : 1 };
}

/** The task id of a task session key (any stage), or null. */
export function taskIdFromSessionKey(key: string): string | null {
  return parseTaskSessionKey(key)?.taskId ?? null;
}

/**
 * Checks a caller's full session key against the agent it is meant for. The
 * gateway turns a bare key into `agent:<agentId>:<key>` and keeps a full one
 * as given, so only full keys of the same agent are accepted: the run then
 * lands on exactly that session.
 */
export function assertSessionKeyForAgent(sessionKey: string, agentId: string): void {
  const parsed = parseSessionKey(sessionKey);
  if (!parsed) throw new Error(`session key must be "agent:<agentId>:<key>", got ${JSON.stringify(sessionKey)}`);
  if (parsed.agentId !== agentId) {
    throw new Error(`session key ${JSON.stringify(sessionKey)} belongs to agent ${JSON.stringify(parsed.agentId)}, not ${JSON.stringify(agentId)}`);
  }
}

// ---------------------------------------------------------------------------
// Device identity

/** Device id = lowercase hex SHA-256 of the raw 32-byte Ed25519 public key. */
export function deviceIdFromPublicKey(rawPublicKey: Uint8Array): string {
  if (rawPublicKey.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, got ${rawPublicKey.length}`);
  return encodeHexLowerCase(sha256(rawPublicKey));
}

export interface DeviceAuthPayloadV3Input {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAtMs: number;
  /** The shared token the connect request carries ("" when none). */
  token: string | null;
  nonce: string;
  platform?: string | null;
  deviceFamily?: string | null;
}

function normalizeDeviceMetadata(value: string | null | undefined): string {
  return typeof value === "string" ? value.trim().toLowerCase() : "";
}

/**
 * The string the device key signs in `connect` (protocol v4, payload "v3"):
 * `v3|deviceId|clientId|clientMode|role|scope,scope|signedAtMs|token|nonce|platform|deviceFamily`,
 * platform and device family trimmed and lowercased.
 */
export function deviceAuthPayloadV3(input: DeviceAuthPayloadV3Input): string {
  return [
    "v3",
    input.deviceId,
    input.clientId,
    input.clientMode,
    input.role,
    input.scopes.join(","),
    String(input.signedAtMs),
    input.token ?? "",
    input.nonce,
    normalizeDeviceMetadata(input.platform),
    normalizeDeviceMetadata(input.deviceFamily),
  ].join("|");
}

// ---------------------------------------------------------------------------
// Reading gateway answers

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** Text of a message `content`: a string, or the concatenated text parts. */
export function messageText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  const parts = content.filter((p): p is Json => isObject(p) && p.type === "text" && typeof p.text === "string").map((p) => p.text as string);
  return parts.length > 0 ? parts.join("") : null;
}

export interface AgentSummary {
  id: string;
  name: string | null;
  model: string | null;
}

/** `agents.list` → `{agents: [{id, name?, identity?: {name}, model?: {primary} | string}]}`. */
export function parseAgentsList(payload: unknown): AgentSummary[] {
  const agents = isObject(payload) && Array.isArray(payload.agents) ? payload.agents : [];
  const out: AgentSummary[] = [];
  for (const agent of agents) {
    if (!isObject(agent) || !str(agent.id)) continue;
    const identity = isObject(agent.identity) ? agent.identity : {};
    const model = isObject(agent.model) ? str(agent.model.primary) : str(agent.model);
    out.push({ id: agent.id as string, name: str(agent.name) ?? str(identity.name), model });
  }
  return out;
}

export type WaitStatus = "ok" | "error" | "timeout" | "pending";

/** `agent.wait` → `{status, terminalReply: {text}}`. Unknown statuses read as "pending". */
export function parseAgentWait(payload: unknown): { status: WaitStatus; text: string | null } {
  if (!isObject(payload)) return { status: "pending", text: null };
  const status = payload.status;
  const reply = isObject(payload.terminalReply) ? payload.terminalReply : {};
  return {
    status: status === "ok" || status === "error" || status === "timeout" || status === "pending" ? status : "pending",
    text: typeof reply.text === "string" ? reply.text : null,
  };
}

export interface RunUsage {
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
}

interface HistoryRow {
  role?: unknown;
  idempotencyKey?: unknown;
  content?: unknown;
  provider?: unknown;
  model?: unknown;
  usage?: unknown;
  stopReason?: unknown;
  errorMessage?: unknown;
  __openclaw?: unknown;
}

function historyRows(history: unknown): HistoryRow[] {
  const messages = isObject(history) && Array.isArray(history.messages) ? history.messages : [];
  return messages.filter(isObject) as HistoryRow[];
}

function rowRunId(row: HistoryRow): string | null {
  return isObject(row.__openclaw) ? str(row.__openclaw.runId) : null;
}

function assistantRowsOf(history: unknown, runId: string): HistoryRow[] {
  return historyRows(history).filter((row) => row.role === "assistant" && rowRunId(row) === runId);
}

/**
 * Usage of one run from `chat.history`: the sum of the assistant rows whose
 * `__openclaw.runId` is the run (`usage {input, output, cacheRead, cacheWrite,
 * cost: {total}}`). The model is `<provider>/<model>` of the last such row, the
 * form agents are configured with. Null when the run has no assistant row;
 * cost is null when no row carries one.
 */
export function runUsageFromHistory(history: unknown, runId: string): RunUsage | null {
  const rows = assistantRowsOf(history, runId);
  if (rows.length === 0) return null;
  const total: RunUsage = { model: null, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: null };
  for (const row of rows) {
    const usage = isObject(row.usage) ? row.usage : {};
    total.input_tokens += num(usage.input);
    total.output_tokens += num(usage.output);
    total.cache_read_tokens += num(usage.cacheRead);
    total.cache_write_tokens += num(usage.cacheWrite);
    const cost = isObject(usage.cost) ? usage.cost.total : undefined;
    if (typeof cost === "number" && Number.isFinite(cost)) total.cost_usd = (total.cost_usd ?? 0) + cost;
    const model = str(row.model);
    if (model) total.model = str(row.provider) && !model.includes("/") ? `${row.provider as string}/${model}` : model;
  }
  // Float sums (0.012287 + 0.00001 …): round to a micro-dollar's thousandth.
  if (total.cost_usd !== null) total.cost_usd = Math.round(total.cost_usd * 1e9) / 1e9;
  return total;
}

const TOOL_STOP_REASONS = new Set(["toolUse", "tool_use", "tool_calls", "toolCalls"]);

/**
 * The outcome of a run read from the transcript, for when the gateway no
 * longer knows the run (its run registry does not survive a restart). Null
 * while the run is still active or has no final assistant row.
 */
export function runOutcomeFromHistory(history: unknown, runId: string): { status: "ok" | "error"; text: string | null } | null {
  if (isObject(history) && isObject(history.sessionInfo)) {
    const active = history.sessionInfo.activeRunIds;
    if (Array.isArray(active) && active.includes(runId)) return null;
  }
  const last = assistantRowsOf(history, runId).at(-1);
  if (!last) return null;
  const stop = str(last.stopReason);
  if (stop && TOOL_STOP_REASONS.has(stop)) return null;
  const failed = stop === "error" || stop === "aborted" || str(last.errorMessage) !== null;
  return { status: failed ? "error" : "ok", text: messageText(last.content) };
}

/**
 * Finished runs that came after `runId` in the same transcript: after a crash
 * the gateway resumes an interrupted session with a new run (a "[System] Your
 * previous turn was interrupted by a gateway restart…" turn) under a new run
 * id. Rows are placed by the run's user row (`idempotencyKey` "<runId>:user",
 * the run id being the idempotency key) or else its first assistant row; empty
 * when the run is not in the transcript.
 */
export function laterRunOutcomes(history: unknown, runId: string): Array<{ runId: string; status: "ok" | "error"; text: string | null }> {
  const rows = historyRows(history);
  let start = rows.findIndex((row) => row.role === "user" && row.idempotencyKey === `${runId}:user`);
  if (start < 0) start = rows.findIndex((row) => rowRunId(row) === runId);
  if (start < 0) return [];
  const later: string[] = [];
  for (const row of rows.slice(start + 1)) {
    const id = rowRunId(row);
    if (row.role === "assistant" && id && id !== runId && !later.includes(id)) later.push(id);
  }
  const out: Array<{ runId: string; status: "ok" | "error"; text: string | null }> = [];
  for (const id of later) {
    const outcome = runOutcomeFromHistory(history, id);
    if (outcome) out.push({ runId: id, ...outcome });
  }
  return out;
}

export interface RunFinished {
  runId: string;
  sessionKey: string;
  status: "ok" | "error";
  text: string | null;
}

/**
 * A run's end from a gateway event, or null: `agent` with `stream:"lifecycle"`
 * and `data.phase` "end" (or "error"), or `chat` with `state` "final" (or
 * "error"/"aborted").
 */
export function runFinishedFromEvent(event: string, payload: unknown): RunFinished | null {
  if (!isObject(payload)) return null;
  const runId = str(payload.runId);
  const sessionKey = str(payload.sessionKey);
  if (!runId || !sessionKey) return null;

  if (event === "agent" && payload.stream === "lifecycle" && isObject(payload.data)) {
    const data = payload.data;
    if (data.phase === "error") {
      return { runId, sessionKey, status: "error", text: str(data.error) ?? str(data.message) };
    }
    if (data.phase !== "end") return null;
    const reply = isObject(data.terminalReply) ? data.terminalReply : {};
    const failed = data.aborted === true || data.stopReason === "error" || data.error !== undefined;
    return { runId, sessionKey, status: failed ? "error" : "ok", text: typeof reply.text === "string" ? reply.text : null };
  }

  if (event === "chat") {
    if (payload.state === "final") {
      const message = isObject(payload.message) ? payload.message : {};
      const failed = payload.stopReason === "error" || payload.stopReason === "aborted";
      return { runId, sessionKey, status: failed ? "error" : "ok", text: messageText(message.content) };
    }
    if (payload.state === "error" || payload.state === "aborted") {
      return { runId, sessionKey, status: "error", text: str(payload.errorMessage) ?? str(payload.error) };
    }
  }
  return null;
}
