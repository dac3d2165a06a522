import { EXIT } from "#app/domain/cli-exit-codes";
import { fieldList, textTable } from "#app/domain/text-table";
import { type ApiConfig, CliError, callOperation } from "./api-client";
import { runLocalBackup } from "./local-backup";

// The commands of `mc` (decision 055): each a call (or two) to the operator
// API, printed as aligned columns for people or as the API's own JSON with
// --json. `backup` is the one local command: it runs the bundle's backup on
// the server's machine.

export interface Context {
  /** Null until a command that needs the server asks for it (then a missing key is exit 3). */
  api: () => ApiConfig;
  /** --workspace or MC_WORKSPACE, if given. */
  workspace: string | undefined;
  json: boolean;
  out: (text: string) => void;
  /** Where the bundle's own files are (build/), for `backup`. */
  buildDir: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** "tasks list": the words that name it. */
  name: string;
  /** Positional arguments, in order (all required). */
  args: string[];
  /** The long options it takes besides the global ones. */
  options: string[];
  summary: string;
  run: (ctx: Context, args: string[], values: Values) => Promise<void>;
}

type Row = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
const name = (v: unknown): string => str((v as { name?: unknown } | null)?.name) || "—";
const day = (v: unknown): string => (typeof v === "string" ? v.slice(0, 10) : "");
const time = (v: unknown): string => (typeof v === "string" ? v.replace("T", " ").replace(/:\d\d(\.\d+)?(Z|\+00:00)$/, " UTC") : "");
const labels = (v: unknown): string => (Array.isArray(v) ? v.join(", ") : "");
const opt = (values: Values, key: string): string | undefined => (typeof values[key] === "string" ? (values[key] as string) : undefined);

/** The workspace a command acts in: the one named, else the only one there is. */
async function workspaceSlug(ctx: Context): Promise<string> {
  if (ctx.workspace) return ctx.workspace;
  const { json } = await callOperation<{ workspaces: Row[] }>(ctx.api(), "listWorkspaces");
  const slugs = json.workspaces.map((w) => str(w.slug));
  if (slugs.length === 1) return slugs[0]!;
  if (slugs.length === 0) throw new CliError(EXIT.notFound, "There is no workspace yet: create one on the home page first.");
  throw new CliError(EXIT.usage, `There are ${slugs.length} workspaces: name one with --workspace or MC_WORKSPACE (${slugs.join(", ")}).`);
}

function printTask(ctx: Context, task: Row) {
  ctx.out(
    fieldList([
      ["id", str(task.id)],
      ["title", str(task.title)],
      ["status", str(task.status)],
      ["priority", str(task.priority)],
      ["assignee", task.assignee ? name(task.assignee) : null],
      ["labels", labels(task.labels)],
      ["due", day(task.due_at)],
      ["alert", str(task.alert_reason)],
      ["workspace", str((task.workspace as Row | undefined)?.slug)],
      ["can move to", labels(task.allowed_statuses)],
      ["created", time(task.created_at)],
      ["updated", time(task.updated_at)],
    ]),
  );
  const description = str(task.description).trim();
  if (description) ctx.out(`\n${description}`);
}

function approvalTable(rows: Row[], decided: boolean): string {
  return textTable(rows, [
    { header: "ID", value: (a) => str(a.id) },
    ...(decided ? [{ header: "STATUS", value: (a: Row) => str(a.status) }] : []),
    { header: "RISK", value: (a) => str(a.risk) },
    { header: "ACTION", value: (a) => str(a.action), max: 24 },
    { header: "TARGET", value: (a) => str(a.target) || "—", max: 24 },
    { header: decided ? "DECIDED BY" : "EXPIRES", value: (a) => (decided ? str(a.decided_by_name) || "—" : time(a.expires_at)) },
    { header: "TASK", value: (a) => str((a.task as Row | undefined)?.title), max: 40 },
  ]);
}

async function decide(ctx: Context, approvalId: string, values: Values, decision: "approve" | "deny") {
  const api = ctx.api();
  // The digest binds the decision to the action: the one given (what a script saw), else the request's as it stands now.
  let digest = opt(values, "digest");
  if (!digest) digest = str((await callOperation<{ approval: Row }>(api, "getApproval", { approvalId })).json.approval.digest);
  const answer = await callOperation<{ approval: Row }>(
    api,
    "decideApproval",
    { approvalId },
    { body: { decision, digest, comment: opt(values, "comment") ?? "" } },
  );
  if (ctx.json) return ctx.out(answer.text);
  const a = answer.json.approval;
  ctx.out(`${decision === "approve" ? "Approved" : "Denied"} ${str(a.id)}: ${str(a.action)}${a.target ? ` on ${str(a.target)}` : ""} (now ${str(a.status)}).`);
}

export const COMMANDS: Command[] = [
  {
    name: "tasks list",
    args: [],
    options: ["status", "priority", "assignee", "label", "search", "sort", "dir", "page"],
    summary: "The workspace's tasks, with the board's filters (--status, --priority, --assignee, --label, --search) and --sort, --dir, --page.",
    async run(ctx, _args, values) {
      const slug = await workspaceSlug(ctx);
      const query = {
        status: opt(values, "status"),
        priority: opt(values, "priority"),
        assignee: opt(values, "assignee"),
        label: opt(values, "label"),
        q: opt(values, "search"),
        sort: opt(values, "sort"),
        dir: opt(values, "dir"),
        page: opt(values, "page"),
      };
      const answer = await callOperation<{ tasks: Row[]; total: number; page: number; per_page: number }>(ctx.api(), "listTasks", { slug }, { query });
      if (ctx.json) return ctx.out(answer.text);
      const { tasks, total, page, per_page } = answer.json;
      if (tasks.length === 0) return ctx.out(total === 0 ? "No tasks." : `No tasks on page ${page} (${total} in all).`);
      ctx.out(
        textTable(tasks, [
          { header: "ID", value: (t) => str(t.id) },
          { header: "STATUS", value: (t) => str(t.status) },
          { header: "PRIORITY", value: (t) => str(t.priority) },
          { header: "ASSIGNEE", value: (t) => name(t.assignee), max: 20 },
          { header: "DUE", value: (t) => day(t.due_at) || "—" },
          { header: "TITLE", value: (t) => str(t.title), max: 60 },
        ]),
      );
      const pages = Math.max(1, Math.ceil(total / per_page));
      if (pages > 1) ctx.out(`Page ${page} of ${pages} (${total} tasks): --page ${page < pages ? page + 1 : 1} for ${page < pages ? "more" : "the first"}.`);
    },
  },
  {
    name: "tasks show",
    args: ["task-id"],
    options: [],
    summary: "One task: its fields, where it may move, its description.",
    async run(ctx, [taskId]) {
      const answer = await callOperation<{ task: Row }>(ctx.api(), "getTask", { taskId: taskId! });
      if (ctx.json) return ctx.out(answer.text);
      printTask(ctx, answer.json.task);
    },
  },
  {
    name: "tasks create",
    args: ["title"],
    options: ["description", "priority", "label", "due", "assign", "status"],
    summary: "Creates a task (--description, --priority, --label (repeatable), --due YYYY-MM-DD, --assign AGENT_ID, --status planning|inbox|assigned).",
    async run(ctx, [title], values) {
      const slug = await workspaceSlug(ctx);
      const body = Object.fromEntries(
        Object.entries({
          title,
          description: opt(values, "description"),
          priority: opt(values, "priority"),
          labels: values.label,
          due_at: opt(values, "due"),
          assigned_agent_id: opt(values, "assign"),
          status: opt(values, "status"),
        }).filter(([, v]) => v !== undefined),
      );
      const answer = await callOperation<{ task: Row }>(ctx.api(), "createTask", { slug }, { body });
      if (ctx.json) return ctx.out(answer.text);
      const t = answer.json.task;
      ctx.out(`Created task ${str(t.id)} in ${str(t.status)}: ${str(t.title)}`);
    },
  },
  {
    name: "tasks move",
    args: ["task-id", "status"],
    options: [],
    summary: "Moves a task to a status by the board's rules (refused moves exit 5 and name the allowed ones).",
    async run(ctx, [taskId, status]) {
      const answer = await callOperation<{ task: Row; changed: string[] }>(ctx.api(), "moveTask", { taskId: taskId! }, { body: { status } });
      if (ctx.json) return ctx.out(answer.text);
      const t = answer.json.task;
      ctx.out(answer.json.changed.length === 0 ? `Task ${str(t.id)} is already in ${str(t.status)}.` : `Moved task ${str(t.id)} to ${str(t.status)}.`);
    },
  },
  {
    name: "approvals list",
    args: [],
    options: ["decided"],
    summary: "Approval requests waiting for a decision (--decided: the decided ones), newest 100.",
    async run(ctx, _args, values) {
      const decided = values.decided === true;
      const answer = await callOperation<{ approvals: Row[] }>(ctx.api(), "listApprovals", {}, { query: { status: decided ? "decided" : undefined } });
      if (ctx.json) return ctx.out(answer.text);
      const rows = answer.json.approvals;
      ctx.out(rows.length === 0 ? (decided ? "No decided approvals." : "Nothing waits for a decision.") : approvalTable(rows, decided));
    },
  },
  {
    name: "approvals approve",
    args: ["approval-id"],
    options: ["comment", "digest"],
    summary: "Approves a request (--comment; --digest to bind the decision to the action you saw).",
    run: (ctx, [id], values) => decide(ctx, id!, values, "approve"),
  },
  {
    name: "approvals deny",
    args: ["approval-id"],
    options: ["comment", "digest"],
    summary: "Denies a request (--comment; --digest as for approve).",
    run: (ctx, [id], values) => decide(ctx, id!, values, "deny"),
  },
  {
    name: "agents list",
    args: [],
    options: [],
    summary: "The workspace's agents (never their tokens).",
    async run(ctx) {
      const slug = await workspaceSlug(ctx);
      const answer = await callOperation<{ agents: Row[] }>(ctx.api(), "listAgents", { slug });
      if (ctx.json) return ctx.out(answer.text);
      const rows = answer.json.agents;
      if (rows.length === 0) return ctx.out("No agents.");
      ctx.out(
        textTable(rows, [
          { header: "ID", value: (a) => str(a.id) },
          { header: "NAME", value: (a) => str(a.name), max: 30 },
          { header: "STATUS", value: (a) => str(a.status) },
          { header: "AUTONOMY", value: (a) => str(a.autonomy_level) },
          { header: "ACTIVE", value: (a) => str(a.active_tasks ?? "") || "0" },
          { header: "MODEL", value: (a) => str(a.model) || "—", max: 30 },
        ]),
      );
    },
  },
  {
    name: "heartbeat run",
    args: [],
    options: [],
    summary: "Runs the heartbeat once and prints its receipt (a run already under way: skipped, exit 0).",
    async run(ctx) {
      const answer = await callOperation<Row>(ctx.api(), "runHeartbeat");
      if (ctx.json) return ctx.out(answer.text);
      const r = answer.json;
      if (r.skipped) return ctx.out("A heartbeat run is already under way; this one was skipped.");
      const actions = (r.actions as Row[]) ?? [];
      ctx.out(`Heartbeat ${str(r.run_id)} ran in ${str(r.duration_ms)} ms: ${actions.length === 0 ? "nothing to do." : `${actions.length} action(s).`}`);
      if (actions.length > 0) {
        ctx.out(
          textTable(actions, [
            { header: "TASK", value: (a) => str(a.task_id) || "—" },
            { header: "ACTION", value: (a) => str(a.action) },
            { header: "OK", value: (a) => (a.ok ? "yes" : "no") },
            { header: "REASON", value: (a) => str(a.reason) || "—", max: 60 },
          ]),
        );
      }
    },
  },
  {
    name: "backup",
    args: [],
    options: ["out"],
    summary: "On the server's machine: backs the database up (--out FILE; default DATA_DIR/backups/<version>/), as `index.js backup` does.",
    async run(ctx, _args, values) {
      const file = await runLocalBackup(ctx.buildDir, opt(values, "out"));
      ctx.out(ctx.json ? JSON.stringify({ file }) : `Backed up the database to ${file}`);
    },
  },
];
