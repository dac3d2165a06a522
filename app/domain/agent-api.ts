import { z } from "zod";
import { agentCommentEditSchema, agentCommentSchema } from "./forms/comments";
import {
  activitySchema,
  agentDependencySchema,
  agentStatusSchema,
  agentSubtaskSchema,
  agentUsageSchema,
  approvalRequestSchema,
  deliverableSchema,
} from "./forms/agent-api";
import { PRIORITIES } from "./priority";
import { TASK_STATUSES } from "./task-status";

// The agent API (/api/agent, an agent's or a task's bearer token) as one
// registry, beside the operator API's (operator-api.ts): every operation's
// method, path, summary, the zod schemas of its path parameters and body
// (the very schemas its route validates with: each route reads its body
// schema and size limit from here), its success statuses and answer, and
// the refusals it may answer beyond the ones every agent call can. The
// OpenAPI document (openapi.ts) is generated from it; a route-comparison
// test holds the route table to it.

export type AgentApiMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface AgentOperation {
  method: AgentApiMethod;
  /** Below /api/agent, with {name} for a path parameter (OpenAPI's form). */
  path: string;
  summary: string;
  params: z.ZodType;
  /** A JSON body's schema; "multipart" for an upload; null: no body. */
  body: z.ZodType | "multipart" | null;
  /** The largest body taken (413 beyond). */
  maxBytes: number;
  /** The success statuses, the first the usual one; each answers `response`. */
  status: readonly [200 | 201, ...Array<200 | 201>];
  /** JSON answer; "file" for a download. */
  response: z.ZodType | "file";
  /** Refusals this operation may answer beyond every agent call's (401, 404 for a task not yours, 405, 429, and for bodies 400/413/415). */
  errors: readonly number[];
}

const KIB = 1024;

const taskParam = z.strictObject({ taskId: z.uuid().describe("A task assigned to the calling agent.") });
const commentParam = z.strictObject({ taskId: z.uuid(), commentId: z.uuid() });
const fileParam = z.strictObject({
  taskId: z.uuid(),
  path: z.string().min(1).describe("The file's name in the task's folder (may contain /)."),
});
const approvalParam = z.strictObject({ approvalId: z.uuid() });
const noParams = z.strictObject({});

// Answers: the fields an agent may rely on; the rows carry more, which pass through.
const status = z.enum([...TASK_STATUSES]);
const taskSummary = z.looseObject({
  id: z.uuid(),
  title: z.string(),
  status,
  priority: z.enum(PRIORITIES),
  session_key: z.string().nullable(),
  labels: z.array(z.string()),
});
const taskDetail = z.looseObject({
  id: z.uuid(),
  title: z.string(),
  status,
  session_key: z.string().nullable(),
  allowed_statuses: z.array(z.string()),
  callbacks: z.looseObject({}),
});
const comment = z.looseObject({ id: z.uuid(), body: z.string(), created_at: z.string() });
const approvalAnswer = z.looseObject({ id: z.uuid(), status: z.enum(["pending", "approved"]), digest: z.string() });

const op = <O extends AgentOperation>(o: O) => o;

export const AGENT_OPERATIONS = {
  listMyTasks: op({
    method: "GET",
    path: "/tasks",
    summary: "The calling agent's open tasks (a task-scoped token sees its one task).",
    params: noParams,
    body: null,
    maxBytes: 0,
    status: [200],
    response: z.object({ tasks: z.array(taskSummary) }),
    errors: [],
  }),
  getMyTask: op({
    method: "GET",
    path: "/tasks/{taskId}",
    summary: "One task with its dispatch context: allowed statuses, deliverables, recent activities, links, callbacks.",
    params: taskParam,
    body: null,
    maxBytes: 0,
    status: [200],
    response: z.object({ task: taskDetail }),
    errors: [],
  }),
  setTaskStatus: op({
    method: "PATCH",
    path: "/tasks/{taskId}",
    summary: "Moves the task as an agent may: assigned → in_progress, in_progress → testing or review (409 with the allowed list otherwise).",
    params: taskParam,
    body: agentStatusSchema,
    maxBytes: 64 * KIB,
    status: [200],
    response: z.looseObject({}),
    errors: [409],
  }),
  addActivity: op({
    method: "POST",
    path: "/tasks/{taskId}/activities",
    summary: "A progress note on the task (also clears a stall alert).",
    params: taskParam,
    body: activitySchema,
    maxBytes: 64 * KIB,
    status: [201],
    response: z.looseObject({ id: z.uuid(), task_id: z.uuid() }),
    errors: [409],
  }),
  addDeliverable: op({
    method: "POST",
    path: "/tasks/{taskId}/deliverables",
    summary: "A deliverable: a file in the task's folder, a URL or an artifact (409 from review on).",
    params: taskParam,
    body: deliverableSchema,
    maxBytes: 64 * KIB,
    status: [201],
    response: z.looseObject({ id: z.uuid() }),
    errors: [409],
  }),
  uploadFile: op({
    method: "POST",
    path: "/tasks/{taskId}/files",
    summary: "Uploads one file (multipart, field `file`, at most UPLOAD_MAX_BYTES) into the task's folder; never overwrites (409 from review on).",
    params: taskParam,
    body: "multipart",
    maxBytes: 10 * KIB * KIB,
    status: [201],
    response: z.object({ path: z.string(), size: z.number().int(), sha256: z.string() }),
    errors: [409],
  }),
  getFile: op({
    method: "GET",
    path: "/tasks/{taskId}/files/{path}",
    summary: "A file of the task's folder (an operator's attachment or the agent's own upload), as a download.",
    params: fileParam,
    body: null,
    maxBytes: 0,
    status: [200],
    response: "file",
    errors: [],
  }),
  reportUsage: op({
    method: "POST",
    path: "/tasks/{taskId}/usage",
    summary: "The run's token usage, once (201; the same run_id again answers 200 and changes nothing).",
    params: taskParam,
    body: agentUsageSchema,
    maxBytes: 16 * KIB,
    status: [201, 200],
    response: z.looseObject({ recorded: z.boolean() }),
    errors: [409],
  }),
  addDependency: op({
    method: "POST",
    path: "/tasks/{taskId}/dependencies",
    summary: "The task waits on another task of its workspace (409 with the chain for a cycle).",
    params: taskParam,
    body: agentDependencySchema,
    maxBytes: 4 * KIB,
    status: [201],
    response: z.object({ task_id: z.uuid(), links: z.looseObject({}) }),
    errors: [409],
  }),
  createSubtask: op({
    method: "POST",
    path: "/tasks/{taskId}/subtasks",
    summary: "A subtask of the task, in its workspace's inbox.",
    params: taskParam,
    body: agentSubtaskSchema,
    maxBytes: 64 * KIB,
    status: [201],
    response: z.object({ task: z.looseObject({ id: z.uuid(), status }), parent_id: z.uuid() }),
    errors: [409],
  }),
  listComments: op({
    method: "GET",
    path: "/tasks/{taskId}/comments",
    summary: "The task's comments, oldest first.",
    params: taskParam,
    body: null,
    maxBytes: 0,
    status: [200],
    response: z.object({ comments: z.array(comment) }),
    errors: [],
  }),
  addComment: op({
    method: "POST",
    path: "/tasks/{taskId}/comments",
    summary: "Comments on the task (Markdown; @mentions reach people as on the task page).",
    params: taskParam,
    body: agentCommentSchema,
    maxBytes: 64 * KIB,
    status: [201],
    response: z.object({ comment }),
    errors: [409],
  }),
  editComment: op({
    method: "PATCH",
    path: "/tasks/{taskId}/comments/{commentId}",
    summary: "Edits the agent's own comment (the old text is kept; 403 for anyone else's).",
    params: commentParam,
    body: agentCommentEditSchema,
    maxBytes: 64 * KIB,
    status: [200],
    response: z.object({ comment, changed: z.boolean() }),
    errors: [403, 409],
  }),
  deleteComment: op({
    method: "DELETE",
    path: "/tasks/{taskId}/comments/{commentId}",
    summary: "Deletes the agent's own comment (a tombstone stays; 403 for anyone else's).",
    params: commentParam,
    body: null,
    maxBytes: 0,
    status: [200],
    response: z.object({ comment }),
    errors: [403, 409],
  }),
  requestApproval: op({
    method: "POST",
    path: "/approvals",
    summary:
      "Asks before a risky action: 200 approved by policy when the agent may act alone, else 201 pending with a digest binding the exact action (the same pending request again: 200).",
    params: noParams,
    body: approvalRequestSchema,
    maxBytes: 64 * KIB,
    status: [201, 200],
    response: approvalAnswer,
    errors: [409],
  }),
  getApproval: op({
    method: "GET",
    path: "/approvals/{approvalId}",
    summary: "An approval request's state: pending, approved, denied, expired or cancelled.",
    params: approvalParam,
    body: null,
    maxBytes: 0,
    status: [200],
    response: z.looseObject({ id: z.uuid(), status: z.string() }),
    errors: [],
  }),
} as const satisfies Record<string, AgentOperation>;

export type AgentOperationId = keyof typeof AGENT_OPERATIONS;

/** The methods the registry declares at one path (a route's `handle.methods`). */
export function agentMethodsAt(path: string): AgentApiMethod[] {
  return Object.values(AGENT_OPERATIONS as Record<string, AgentOperation>)
    .filter((o) => o.path === path)
    .map((o) => o.method);
}

/** A JSON operation's body schema (the route validates with it). */
export function agentBody<K extends AgentOperationId>(id: K): Extract<(typeof AGENT_OPERATIONS)[K]["body"], z.ZodType> {
  const body = AGENT_OPERATIONS[id].body;
  if (body === null || body === "multipart") throw new Error(`${id} takes no JSON body`);
  return body as Extract<(typeof AGENT_OPERATIONS)[K]["body"], z.ZodType>;
}
