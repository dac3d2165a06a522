// What the OpenClaw gateway says about one agent, for its page: whether the
// gateway knows the agent id, what it runs (sessions), and its configuration
// as the gateway reports it, with secrets redacted. The payloads are
// `agents.list`, `config.get`, `exec.approvals.get` and `sessions.list`
// (protocol v4); each may be missing when its read failed, and every field is
// read defensively: a gateway of another version may add or drop fields.
// Everything here ends up as text on the page, never as HTML.

/** One gateway read: its payload, or why it failed (a machine-readable reason). */
export type GatewayRead = { ok: true; payload: unknown } | { ok: false; reason: string };

export interface GatewayAgentPayloads {
  agents: GatewayRead;
  config: GatewayRead;
  execApprovals: GatewayRead;
  sessions: GatewayRead;
}

export interface GatewayAgentFact {
  label: string;
  value: string;
}

export interface GatewayAgentSession {
  key: string;
  status: string | null;
  updatedAt: string | null;
  activeRuns: number;
}

export interface GatewayAgentView {
  agentId: string;
  /** null when agents.list could not be read. */
  known: boolean | null;
  isDefault: boolean;
  /** The ids the gateway lists (at most MAX_LISTED_IDS), to say what it knows when it does not know this one. */
  listedIds: string[];
  facts: GatewayAgentFact[];
  sessions: { total: number; active: number; lastActivityAt: string | null; recent: GatewayAgentSession[] } | null;
  /** The configuration as `path = value` lines, redacted; null when config.get could not be read. */
  config: { lines: string[]; truncated: boolean } | null;
  /** Reads that failed, in words. */
  unavailable: string[];
}

/** The agent page's gateway panel: the connection, and when connected what the gateway says about the agent. */
export type AgentGatewayPanel =
  | { status: "disabled" | "disconnected"; refusal: string }
  | { status: "connected"; openclawAgentId: null }
  | { status: "connected"; openclawAgentId: string; view: GatewayAgentView };

export const REDACTED = "[redacted]";
export const MAX_LISTED_IDS = 20;
export const MAX_CONFIG_LINES = 400;
export const MAX_CONFIG_VALUE_CHARS = 300;
export const MAX_RECENT_SESSIONS = 5;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

// ---------------------------------------------------------------------------
// Redaction

/** Key words that name a secret, matched on the key with case and separators removed ("api_key" → "apikey"). */
const SECRET_KEY_PARTS = [
  "token",
  "secret",
  "password",
  "passwd",
  "passphrase",
  "credential",
  "cookie",
  "apikey",
  "accesskey",
  "privatekey",
  "secretkey",
  "signingkey",
  "encryptionkey",
  "authorization",
  "bearer",
  "dsn",
];
/** Whole keys that name a secret only on their own ("key", not "mainKey" or "sessionKey"). */
const SECRET_KEYS = new Set(["key", "pass", "pwd", "auth", "otp", "pin"]);

/** Whether a config key names a secret. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  // Counts of model tokens ("maxTokens", "contextTokens") are figures, not credentials.
  if (k.endsWith("tokens")) return false;
  return SECRET_KEYS.has(k) || SECRET_KEY_PARTS.some((part) => k.includes(part));
}

const SECRET_VALUE_PATTERNS = [
  /^__OPENCLAW_REDACTED__$/,
  /^(sk|pk|rk)[-_][A-Za-z0-9_-]{8,}/, // OpenAI / Stripe style keys
  /^sk-ant-/,
  /^(ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{16,}/, // GitHub tokens
  /^github_pat_/,
  /^glpat-/,
  /^xox[abprs]-/, // Slack
  /^AKIA[0-9A-Z]{12,}/, // AWS access key id
  /^AIza[0-9A-Za-z_-]{20,}/, // Google API key
  /^Bearer\s+\S+/i,
  /^Basic\s+[A-Za-z0-9+/=]{8,}$/i,
  /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, // a JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** Whether a string looks like a credential whatever its key: a known token format, or a long opaque run of letters and digits. */
export function looksSecret(value: string): boolean {
  const v = value.trim();
  if (SECRET_VALUE_PATTERNS.some((p) => p.test(v))) return true;
  // 32+ characters of a token alphabet with letters and digits mixed, no separators a path, name or sentence has.
  return /^[A-Za-z0-9_+=-]{32,}$/.test(v) && /[A-Za-z]/.test(v) && /[0-9]/.test(v);
}

/** A URL's password ("https://user:pass@host") replaced. */
function redactUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]+@/i, `$1:${REDACTED}@`);
}

/** A copy of a config value with every secret replaced by "[redacted]": by its key, or by how its value looks. */
export function redactSecrets(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key));
  if (isObject(value)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactSecrets(v, k);
    return out;
  }
  // Numbers and flags are settings (limits, ports, switches), not credentials.
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "number") return value;
  if (key && isSecretKey(key)) return REDACTED;
  if (typeof value === "string") return looksSecret(value) ? REDACTED : redactUrlCredentials(value);
  return value;
}

// ---------------------------------------------------------------------------
// Configuration as text

function valueText(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_CONFIG_VALUE_CHARS ? `${text.slice(0, MAX_CONFIG_VALUE_CHARS)}…` : text;
}

const isPrimitive = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/**
 * A (redacted) value as `path = value` lines, one per leaf: objects by key,
 * arrays of plain values on one line, arrays of objects by index.
 */
export function configLines(value: unknown, path: string, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    if (value.every(isPrimitive)) out.push(`${path} = ${valueText(value)}`);
    else value.forEach((item, i) => configLines(item, `${path}[${i}]`, out));
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push(`${path} = {}`);
    for (const [k, v] of entries) configLines(v, /^[A-Za-z_$][\w$-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, out);
  } else if (value !== undefined) {
    out.push(`${path} = ${valueText(value)}`);
  }
  return out;
}

/** The agent's own entry in the config: `agents.entries.<id>` (current) or the `agents.list` row with that id (older configs). */
function configEntry(agents: Obj, agentId: string): { path: string; value: unknown } | null {
  if (isObject(agents.entries) && agentId in agents.entries) return { path: `agents.entries.${agentId}`, value: agents.entries[agentId] };
  if (Array.isArray(agents.list)) {
    const i = agents.list.findIndex((row) => isObject(row) && row.id === agentId);
    if (i >= 0) return { path: `agents.list[${i}]`, value: agents.list[i] };
  }
  return null;
}

/** The parts of the gateway's config that shape this agent: its own entry, the agent defaults, and the tool settings. */
function configView(payload: unknown, execApprovals: unknown, agentId: string): { lines: string[]; truncated: boolean } {
  const root = isObject(payload) ? payload : {};
  const config = [root.resolved, root.parsed, root.config].find(isObject) ?? {};
  const agents = isObject(config.agents) ? config.agents : {};
  const lines: string[] = [];
  const entry = configEntry(agents, agentId);
  if (entry) configLines(redactSecrets(entry.value), entry.path, lines);
  else lines.push(`# no entry for ${agentId} in agents: it runs on the defaults`);
  if (agents.defaults !== undefined) configLines(redactSecrets(agents.defaults), "agents.defaults", lines);
  if (config.tools !== undefined) configLines(redactSecrets(config.tools), "tools", lines);
  const approvals = isObject(execApprovals) ? execApprovals : null;
  if (approvals) {
    const file = isObject(approvals.file) ? approvals.file : {};
    const own = isObject(file.agents) ? file.agents[agentId] : undefined;
    if (own !== undefined) configLines(redactSecrets(own), `execApprovals.agents.${agentId}`, lines);
    if (isObject(file.defaults) && Object.keys(file.defaults).length > 0) configLines(redactSecrets(file.defaults), "execApprovals.defaults", lines);
    if (approvals.resolvedDefaults !== undefined) configLines(redactSecrets(approvals.resolvedDefaults), "execApprovals.resolvedDefaults", lines);
  }
  return { lines: lines.slice(0, MAX_CONFIG_LINES), truncated: lines.length > MAX_CONFIG_LINES };
}

// ---------------------------------------------------------------------------
// The view

const isoFromMs = (v: unknown): string | null => {
  const ms = num(v);
  return ms === null ? null : new Date(ms).toISOString();
};

function sessionsView(payload: unknown): GatewayAgentView["sessions"] {
  if (!isObject(payload) || !Array.isArray(payload.sessions)) return null;
  const rows = payload.sessions.filter(isObject);
  const active = (row: Obj) => (Array.isArray(row.activeRunIds) ? row.activeRunIds.length : row.hasActiveRun === true ? 1 : 0);
  const times = rows.map((r) => num(r.lastActivityAt) ?? num(r.updatedAt)).filter((t): t is number => t !== null);
  return {
    total: num(payload.totalCount) ?? num(payload.count) ?? rows.length,
    active: rows.reduce((n, r) => n + active(r), 0),
    lastActivityAt: times.length > 0 ? new Date(Math.max(...times)).toISOString() : null,
    recent: rows.slice(0, MAX_RECENT_SESSIONS).map((r) => ({
      key: str(r.key) ?? "?",
      status: str(r.status),
      updatedAt: isoFromMs(r.updatedAt),
      activeRuns: active(r),
    })),
  };
}

/** The execution policy for the agent's shell commands: its own exec approvals over the host's defaults. */
function execFact(payload: unknown, agentId: string): GatewayAgentFact | null {
  if (!isObject(payload)) return null;
  const file = isObject(payload.file) ? payload.file : {};
  const own = isObject(file.agents) && isObject(file.agents[agentId]) ? (file.agents[agentId] as Obj) : {};
  const defaults = { ...(isObject(payload.resolvedDefaults) ? payload.resolvedDefaults : {}), ...(isObject(file.defaults) ? file.defaults : {}) };
  const pick = (k: string) => str(own[k]) ?? str(defaults[k]);
  const parts = [
    ["security", pick("security")],
    ["ask", pick("ask")],
    ["fallback", pick("askFallback")],
  ].filter(([, v]) => v) as string[][];
  if (parts.length === 0) return null;
  const allowlist = Array.isArray(own.allowlist) ? own.allowlist.length : 0;
  const source = Object.keys(own).length > 0 ? "the agent's own" : "the host's defaults";
  return {
    label: "Exec approvals",
    value: `${parts.map(([k, v]) => `${k} ${v}`).join(", ")} (${source}${allowlist ? `; ${allowlist} allowlisted pattern${allowlist === 1 ? "" : "s"}` : ""})`,
  };
}

const READ_NAMES: Record<keyof GatewayAgentPayloads, string> = {
  agents: "its agent list",
  config: "its configuration",
  execApprovals: "its exec approvals",
  sessions: "the agent's sessions",
};

/** Why a read failed, in words. */
function failure(reason: string): string {
  if (reason === "gateway_timeout") return "it did not answer in time";
  if (reason === "gateway_disconnected") return "the connection dropped";
  if (reason.startsWith("gateway_error:")) return `it refused (${reason.slice("gateway_error:".length)})`;
  return reason;
}

/** The page's view of one agent from the gateway's answers. */
export function describeGatewayAgent(agentId: string, reads: GatewayAgentPayloads): GatewayAgentView {
  const payload = (read: GatewayRead) => (read.ok ? read.payload : undefined);
  const unavailable = (Object.keys(READ_NAMES) as Array<keyof GatewayAgentPayloads>)
    .filter((k) => !reads[k].ok)
    .map((k) => {
      const read = reads[k] as { ok: false; reason: string };
      return `The gateway did not give ${READ_NAMES[k]}: ${failure(read.reason)}.`;
    });

  const list = payload(reads.agents);
  const rows = isObject(list) && Array.isArray(list.agents) ? list.agents.filter(isObject) : null;
  const row = rows?.find((r) => r.id === agentId) ?? null;
  const facts: GatewayAgentFact[] = [];
  const add = (label: string, value: string | null) => {
    if (value) facts.push({ label, value: String(redactSecrets(value, label)) });
  };
  if (row) {
    const identity = isObject(row.identity) ? row.identity : {};
    add("Name", [str(identity.emoji), str(row.name) ?? str(identity.name)].filter(Boolean).join(" ") || null);
    const model = isObject(row.model) ? row.model : {};
    add("Model", str(model.primary) ?? str(row.model));
    const fallbacks = Array.isArray(model.fallbacks) ? model.fallbacks.filter((f): f is string => typeof f === "string") : [];
    add("Fallback models", fallbacks.join(", ") || null);
    add("Workspace", str(row.workspace) ? `${row.workspace as string}${row.workspaceGit === true ? " (a git checkout)" : ""}` : null);
    const runtime = isObject(row.agentRuntime) ? row.agentRuntime : {};
    add("Runtime", str(runtime.id) ? `${runtime.id as string}${str(runtime.source) ? ` (from ${runtime.source as string})` : ""}` : null);
    add("Permission mode", str(row.defaultPermissionMode));
    add("Thinking", str(row.thinkingDefault));
    add("Kind", str(row.kind));
  }
  const exec = execFact(payload(reads.execApprovals), agentId);
  if (exec) facts.push(exec);

  return {
    agentId,
    known: rows ? row !== null : null,
    isDefault: isObject(list) && list.defaultId === agentId,
    listedIds: (rows ?? [])
      .map((r) => str(r.id))
      .filter((id): id is string => id !== null)
      .slice(0, MAX_LISTED_IDS),
    facts,
    sessions: sessionsView(payload(reads.sessions)),
    config: reads.config.ok ? configView(reads.config.payload, payload(reads.execApprovals), agentId) : null,
    unavailable,
  };
}
