import { z } from "zod";
import { AUTONOMY_LABELS, type AutonomyLevel } from "./autonomy";
import { formatUsd, formatUsdExact } from "./money";
import { STATUS_LABELS, type TaskStatus } from "./task-status";

// The audit log in words: who acted, what they did, and the details as a
// list of labelled values, plus the filters the page and its export share.

/** An actor as stored on an audit entry. */
export interface AuditActor {
  type?: string;
  id?: string;
  name?: string;
  email?: string;
  ip?: string;
}

/** The system actors' names, as people read them. */
const SYSTEM_NAMES: Record<string, string> = {
  heartbeat: "Heartbeat",
  dispatcher: "Dispatcher",
  gateway: "Gateway",
  testing: "Deliverable checks",
  governance: "Governance",
  system: "System",
  seed: "Price seed",
  "set-up link": "Set-up link",
  agent_api: "Agent API",
  hotl_window: "Veto window (no veto)",
  policy: "Policy",
  routine: "Routine",
};

/** A system actor's name in words: "policy:autonomous" → "Policy (autonomous)". */
export function systemName(name: string | undefined): string {
  if (!name) return "System";
  if (SYSTEM_NAMES[name]) return SYSTEM_NAMES[name];
  const policy = /^policy:(.+)$/.exec(name);
  if (policy) return `Policy (${words(policy[1]!)})`;
  return sentence(words(name));
}

/**
 * Who acted, for display. `name` is the person's or agent's current name when
 * the log knows them; an agent acting through its API reads "Agent API (agent X)".
 */
export function actorLabel(actor: AuditActor, name: string | null | undefined): string {
  switch (actor.type) {
    case "user":
      return name || actor.name || actor.email || "A deleted user";
    case "agent":
      return `Agent API (agent ${name || actor.name || "deleted"})`;
    case "anonymous":
      return actor.ip ? `Unknown visitor (${actor.ip})` : "Unknown visitor";
    default:
      return systemName(actor.name);
  }
}

const ACTIONS: Record<string, string> = {
  "approval.approved": "Approved an action",
  "approval.denied": "Denied an action",
  "approval.expired": "An approval expired",
  "approval.cancelled": "An approval was cancelled",
  "task.dispatched": "Dispatched a task",
  "task.status_override": "Moved a task by hand",
  "task.governance_changed": "Changed a task's supervision",
  "task.deleted": "Deleted a task",
  "agent.created": "Added an agent",
  "agent.deleted": "Deleted an agent",
  "agent.autonomy_changed": "Changed an agent's autonomy",
  "agent.token_issued": "Issued an agent token",
  "agent.token_rotated": "Replaced an agent token",
  "workspace.deleted": "Deleted a workspace",
  "workspace.github_changed": "Changed a workspace's GitHub connection",
  "workspace.github_disconnected": "Disconnected a workspace from GitHub",
  "pipeline.created": "Created a pipeline",
  "pipeline.changed": "Changed a pipeline",
  "pipeline.deleted": "Deleted a pipeline",
  "pipeline.stage_added": "Added a pipeline stage",
  "pipeline.stage_changed": "Changed a pipeline stage",
  "pipeline.stage_moved": "Moved a pipeline stage",
  "pipeline.stage_deleted": "Deleted a pipeline stage",
  "template.created": "Created a task template",
  "template.changed": "Changed a task template",
  "template.deleted": "Deleted a task template",
  "routine.created": "Created a routine",
  "routine.changed": "Changed a routine",
  "routine.paused": "Paused a routine",
  "routine.resumed": "Resumed a routine",
  "routine.deleted": "Deleted a routine",
  "task_type.changed": "Changed a task type",
  "grant.created": "Granted a standing approval",
  "grant.revoked": "Revoked a standing approval",
  "user.created": "Added a user",
  "user.role_changed": "Changed a user's role",
  "user.disabled": "Disabled a user",
  "user.enabled": "Enabled a user",
  "user.sessions_ended": "Signed a user out everywhere",
  "user.password_reset": "Reset a user's password",
  "auth.signed_in": "Signed in",
  "auth.signed_out": "Signed out",
  "auth.sign_in_failed": "Failed to sign in",
  "model_price.added": "Added a model price",
  "budget.set": "Set a budget",
  "budget.raised": "Raised a budget",
  "budget.removed": "Removed a budget",
};

const AREAS: Record<string, string> = {
  approval: "Approvals",
  task: "Tasks",
  agent: "Agents",
  workspace: "Workspaces",
  pipeline: "Pipelines",
  template: "Task templates",
  routine: "Routines",
  task_type: "Task types",
  grant: "Standing approvals",
  user: "Users",
  auth: "Sign-ins",
  model_price: "Prices",
  budget: "Budgets",
};

/** What happened, in words; an unknown kind reads as its words ("thing.happened" → "Thing happened"). */
export function actionLabel(kind: string): string {
  return ACTIONS[kind] ?? sentence(words(kind.replace(".", " ")));
}

/** An area of kinds ("task" for every task.* kind), for the action filter. */
export function areaLabel(area: string): string {
  return AREAS[area] ?? sentence(words(area));
}

/** The action filter's choices: each area, then its kinds. */
export function actionChoices(kinds: readonly string[]): Array<{ area: string; label: string; kinds: Array<{ value: string; label: string }> }> {
  const byArea = new Map<string, string[]>();
  for (const kind of kinds) {
    const area = kind.split(".")[0]!;
    byArea.set(area, [...(byArea.get(area) ?? []), kind]);
  }
  return [...byArea.entries()]
    .map(([area, list]) => ({ area, label: areaLabel(area), kinds: list.map((k) => ({ value: k, label: actionLabel(k) })) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

const KEY_LABELS: Record<string, string> = {
  run_id: "Run",
  session_key: "Session",
  digest: "Action fingerprint",
  from: "From",
  to: "To",
  lowered: "Less supervision",
  name: "Name",
  action: "Action",
  comment: "Comment",
  ip: "Address",
  user_agent: "Browser",
  role: "Role",
  email: "Email",
  daily_limit_usd: "Daily limit",
  total_limit_usd: "Total limit",
  reserve_usd: "Reserved per run",
  input_usd_per_mtok: "Input per million tokens",
  output_usd_per_mtok: "Output per million tokens",
  cache_read_usd_per_mtok: "Cache read per million tokens",
  cache_write_usd_per_mtok: "Cache write per million tokens",
  effective_from: "Takes effect",
  included: "Included in a subscription",
  autonomy_level: "Autonomy",
  model: "Model",
  version: "Version",
  note: "Note",
  status: "Status",
  openclaw_agent_id: "OpenClaw agent",
  token_hint: "Token starts with",
  reason: "Reason",
};

/** Keys that only repeat ids the page links, or internals no reader needs. */
const HIDDEN_KEYS = new Set([
  "id",
  "task_id",
  "agent_id",
  "workspace_id",
  "pipeline_id",
  "stage_id",
  "template_id",
  "routine_id",
  "user_id",
  "approval_id",
  "subject_id",
  "created_by",
]);

export interface DetailItem {
  key: string;
  label: string;
  value: string;
}

/** A value in words: statuses and autonomy levels by their labels, money as money, long hashes shortened. */
export function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))) {
    if (key.endsWith("_per_mtok")) return formatUsdExact(value);
    if (key.endsWith("_usd")) return formatUsd(value);
    return String(value);
  }
  if (typeof value === "string") {
    if (value in AUTONOMY_LABELS) return AUTONOMY_LABELS[value as AutonomyLevel];
    if (value in STATUS_LABELS) return STATUS_LABELS[value as TaskStatus];
    if (/^[0-9a-f]{40,}$/.test(value)) return `${value.slice(0, 12)}…`;
    if (key === "reason" && /^[a-z_]+$/.test(value)) return sentence(words(value));
    return value;
  }
  if (Array.isArray(value)) return value.length === 0 ? "—" : value.map((v) => valueText(key, v)).join(", ");
  if (typeof value === "object") {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !HIDDEN_KEYS.has(k))
      .map(([k, v]) => `${keyLabel(k).toLowerCase()} ${valueText(k, v)}`);
    return parts.length === 0 ? "—" : parts.join(", ");
  }
  return String(value);
}

export function keyLabel(key: string): string {
  return KEY_LABELS[key] ?? sentence(words(key.replace(/_id$/, "")));
}

/** Keys read first, in this order (the database stores object keys by length, not as written). */
const FIRST_KEYS = ["name", "title", "email", "action", "from", "to", "model", "version"];
const rank = (key: string) => {
  const i = FIRST_KEYS.indexOf(key);
  return i === -1 ? FIRST_KEYS.length : i;
};

/** An entry's details as labelled values (names and from → to first), without the ids the page links. */
export function detailItems(data: Record<string, unknown>, subject: Record<string, unknown> = {}): DetailItem[] {
  const items: DetailItem[] = [];
  for (const [key, value] of Object.entries(subject)) {
    if (HIDDEN_KEYS.has(key) || key in data) continue;
    items.push({ key, label: keyLabel(key), value: valueText(key, value) });
  }
  for (const [key, value] of Object.entries(data)) {
    if (HIDDEN_KEYS.has(key)) continue;
    items.push({ key, label: keyLabel(key), value: valueText(key, value) });
  }
  return items.toSorted((a, b) => rank(a.key) - rank(b.key));
}

function words(text: string): string {
  return text.replaceAll(/[._-]+/g, " ").trim();
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const day = z
  .string()
  .trim()
  .refine(
    (v) => v === "" || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)),
    "A date, e.g. 2026-12-01",
  )
  .transform((v) => v || undefined);

/** The audit filters as the URL holds them; every field optional, anything else refused. */
export const auditFilterSchema = z
  .strictObject({
    actor: z
      .string()
      .trim()
      .max(140, "At most 140 characters")
      .refine((v) => v === "" || v === "anonymous" || /^(user|agent):[0-9a-f-]{36}$/.test(v) || /^system:.{0,100}$/.test(v), "Choose someone from the list")
      .transform((v) => v || undefined)
      .optional(),
    action: z
      .string()
      .trim()
      .max(60, "At most 60 characters")
      .refine((v) => v === "" || /^[a-z][a-z_]*(\.[a-z_]+)?$/.test(v), "Choose an action from the list")
      .transform((v) => v || undefined)
      .optional(),
    workspace: z
      .string()
      .trim()
      .refine((v) => v === "" || UUID.test(v), "Choose a workspace from the list")
      .transform((v) => v || undefined)
      .optional(),
    from: day.optional(),
    to: day.optional(),
    q: z
      .string()
      .trim()
      .max(200, "At most 200 characters")
      .transform((v) => v || undefined)
      .optional(),
    before: z
      .string()
      .trim()
      .refine((v) => v === "" || /^[1-9]\d{0,15}$/.test(v), "An entry number")
      .transform((v) => (v ? Number(v) : undefined))
      .optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: "The start date is after the end date", path: ["to"] });

export type AuditFilters = z.output<typeof auditFilterSchema>;

/** The filters as the SQL function takes them (no paging). */
export function sqlFilters(f: AuditFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.actor) out.actor = f.actor;
  if (f.action) out.action = f.action;
  if (f.workspace) out.workspace_id = f.workspace;
  if (f.from) out.from = f.from;
  if (f.to) out.to = f.to;
  if (f.q) out.q = f.q;
  return out;
}

/** The URL query for filters (and an optional page), empty values left out. */
export function filterQuery(f: AuditFilters, before?: number | null): string {
  const params = new URLSearchParams();
  for (const key of ["actor", "action", "workspace", "from", "to", "q"] as const) if (f[key]) params.set(key, String(f[key]));
  if (before) params.set("before", String(before));
  const s = params.toString();
  return s ? `?${s}` : "";
}
