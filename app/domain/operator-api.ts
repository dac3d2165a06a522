import { z } from "zod";
import type { ApiKeyScope } from "./api-keys";
import {
  apiApprovalListQuery,
  apiCommentSchema,
  apiCostsQuery,
  apiDecisionSchema,
  apiTaskCreateSchema,
  apiTaskListQuery,
  apiTaskMoveSchema,
  apiTaskUpdateSchema,
  noQuery,
} from "./forms/operator-api";
import { PRIORITIES } from "./priority";
import { SLUG_PATTERN } from "./slug";
import { TASK_STATUSES } from "./task-status";

// The operator API (/api/v1, decision 050) as one registry: every operation's
// method, path, the scope it needs, a summary, and the zod schemas of its path
// parameters, query string, body and success response. The route dispatches
// through it (app/services/operator-api), so what is documented is what is
// served; an OpenAPI 3.1 document can be generated from it with
// z.toJSONSchema (input side for requests, output side for responses).

export type ApiMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface Operation {
  method: ApiMethod;
  /** Below /api/v1, with {name} for a path parameter (OpenAPI's form). */
  path: string;
  scope: ApiKeyScope;
  summary: string;
  params: z.ZodType;
  query: z.ZodType;
  /** Null: the operation takes no body. */
  body: z.ZodType | null;
  /** The success status and its body. */
  status: 200 | 201;
  response: z.ZodType;
}

// Path parameters. A malformed one names nothing: the dispatcher answers 404.
const slugParam = z.strictObject({ slug: z.string().regex(SLUG_PATTERN) });
const taskParam = z.strictObject({ taskId: z.uuid() });
const approvalParam = z.strictObject({ approvalId: z.uuid() });
const noParams = z.strictObject({});

// Responses: the fields every client may rely on; the rows carry more (the
// pages' own reads), which pass through.
const workspace = z.looseObject({ id: z.uuid(), slug: z.string(), name: z.string(), icon: z.string() });
const task = z.looseObject({
  id: z.uuid(),
  title: z.string(),
  status: z.enum([...TASK_STATUSES]),
  priority: z.enum(PRIORITIES),
  due_at: z.string().nullable(),
  labels: z.array(z.string()),
  assignee: z.looseObject({ id: z.uuid(), name: z.string() }).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
const comment = z.looseObject({ id: z.uuid(), body: z.string(), created_at: z.string() });
const approval = z.looseObject({
  id: z.uuid(),
  task_id: z.uuid(),
  status: z.string(),
  action: z.string(),
  digest: z.string(),
  expires_at: z.string().nullable(),
});
const agent = z.looseObject({ id: z.uuid(), name: z.string(), status: z.string() });
const heartbeatReceipt = z.looseObject({
  run_id: z.uuid(),
  started_at: z.string(),
  duration_ms: z.number(),
  actions: z.array(z.looseObject({ task_id: z.string().nullable(), action: z.string(), reason: z.string().nullable(), ok: z.boolean() })),
});
const money = z.union([z.number(), z.string()]);
const costSummary = z.looseObject({
  days: z.number().int(),
  totals: z.looseObject({}),
  period: z.looseObject({ cost_usd: money, tokens: z.number() }),
  daily: z.array(z.looseObject({ day: z.string(), cost_usd: money })),
  by_agent: z.array(z.looseObject({ name: z.string(), cost_usd: money })),
});

const op = <O extends Operation>(o: O) => o;

export const OPERATIONS = {
  listWorkspaces: op({
    method: "GET",
    path: "/workspaces",
    scope: "read",
    summary: "Every workspace, with its task counts, agents and spend.",
    params: noParams,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ workspaces: z.array(workspace) }),
  }),
  getWorkspace: op({
    method: "GET",
    path: "/workspaces/{slug}",
    scope: "read",
    summary: "One workspace by its slug.",
    params: slugParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ workspace }),
  }),
  listTasks: op({
    method: "GET",
    path: "/workspaces/{slug}/tasks",
    scope: "read",
    summary: "The workspace's tasks with the board's search and filters, as the list view sorts and pages them (100 a page).",
    params: slugParam,
    query: apiTaskListQuery,
    body: null,
    status: 200,
    response: z.object({ tasks: z.array(task), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }),
  }),
  createTask: op({
    method: "POST",
    path: "/workspaces/{slug}/tasks",
    scope: "write",
    summary: "Creates a task, as the new-task page does (on a pipeline: at its first stage).",
    params: slugParam,
    query: noQuery,
    body: apiTaskCreateSchema,
    status: 201,
    response: z.object({ task }),
  }),
  getTask: op({
    method: "GET",
    path: "/tasks/{taskId}",
    scope: "read",
    summary: "One task with what its page shows: activities, deliverables, usage, approvals.",
    params: taskParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ task }),
  }),
  updateTask: op({
    method: "PATCH",
    path: "/tasks/{taskId}",
    scope: "write",
    summary: "Changes the fields sent; the others keep their values.",
    params: taskParam,
    query: noQuery,
    body: apiTaskUpdateSchema,
    status: 200,
    response: z.object({ task, changed: z.array(z.string()) }),
  }),
  moveTask: op({
    method: "POST",
    path: "/tasks/{taskId}/move",
    scope: "write",
    summary: "Moves a task to a status by the board's rules (409 with the allowed list; a gated move opens an approval).",
    params: taskParam,
    query: noQuery,
    body: apiTaskMoveSchema,
    status: 200,
    response: z.object({ task, changed: z.array(z.string()) }),
  }),
  deleteTask: op({
    method: "DELETE",
    path: "/tasks/{taskId}",
    scope: "write",
    summary: "Deletes a task (restorable from its page for the undo window) and stops its run.",
    params: taskParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ deleted: z.literal(true), task_id: z.uuid() }),
  }),
  listComments: op({
    method: "GET",
    path: "/tasks/{taskId}/comments",
    scope: "read",
    summary: "The task's comments, oldest first.",
    params: taskParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ comments: z.array(comment) }),
  }),
  createComment: op({
    method: "POST",
    path: "/tasks/{taskId}/comments",
    scope: "write",
    summary: "Comments on a task (Markdown; @mentions reach people and agents as on the task page).",
    params: taskParam,
    query: noQuery,
    body: apiCommentSchema,
    status: 201,
    response: z.object({ comment, mentions: z.array(z.looseObject({})) }),
  }),
  listApprovals: op({
    method: "GET",
    path: "/approvals",
    scope: "read",
    summary: "Approval requests, as the approvals inbox lists them: pending (the default) or decided.",
    params: noParams,
    query: apiApprovalListQuery,
    body: null,
    status: 200,
    response: z.object({ approvals: z.array(approval) }),
  }),
  getApproval: op({
    method: "GET",
    path: "/approvals/{approvalId}",
    scope: "read",
    summary: "One approval request, pending or decided, with the digest a decision must name.",
    params: approvalParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ approval }),
  }),
  decideApproval: op({
    method: "POST",
    path: "/approvals/{approvalId}/decision",
    scope: "approve",
    summary: "Approves or denies a request (the approver role, never one's own request, the digest of the action seen).",
    params: approvalParam,
    query: noQuery,
    body: apiDecisionSchema,
    status: 200,
    response: z.object({ approval }),
  }),
  listAgents: op({
    method: "GET",
    path: "/workspaces/{slug}/agents",
    scope: "read",
    summary: "The workspace's agents (never their tokens).",
    params: slugParam,
    query: noQuery,
    body: null,
    status: 200,
    response: z.object({ agents: z.array(agent) }),
  }),
  getCosts: op({
    method: "GET",
    path: "/workspaces/{slug}/costs",
    scope: "read",
    summary: "The workspace's cost summary as its costs page shows it (7, 30 or 90 days).",
    params: slugParam,
    query: apiCostsQuery,
    body: null,
    status: 200,
    response: z.object({ costs: costSummary }),
  }),
  runHeartbeat: op({
    method: "POST",
    path: "/heartbeat",
    scope: "write",
    summary: "Runs the heartbeat once, as the heartbeat page's button does: its receipt, or skipped when a run is under way.",
    params: noParams,
    query: noQuery,
    body: null,
    status: 200,
    response: z.union([heartbeatReceipt, z.object({ skipped: z.literal("already_running") })]),
  }),
} as const satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;

export type OperationMatch =
  { kind: "found"; id: OperationId; params: Record<string, string> } | { kind: "method_not_allowed"; allow: ApiMethod[] } | { kind: "not_found" };

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith("{") && w.endsWith("}")) {
      if (g === "") return null;
      params[w.slice(1, -1)] = g;
    } else if (w !== g) return null;
  }
  return params;
}

/** The operation a method and a path below /api/v1 name (a trailing slash is not the same path). */
export function matchOperation(method: string, path: string): OperationMatch {
  const allow: ApiMethod[] = [];
  for (const [id, o] of Object.entries(OPERATIONS) as Array<[OperationId, Operation]>) {
    const params = matchPath(o.path, path);
    if (!params) continue;
    if (o.method === method) return { kind: "found", id, params };
    allow.push(o.method);
  }
  return allow.length > 0 ? { kind: "method_not_allowed", allow } : { kind: "not_found" };
}
