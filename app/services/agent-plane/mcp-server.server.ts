import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, type CallToolResult, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { AuthenticatedAgent } from "#app/db/agent-api.server";
import { AppError } from "#app/domain/errors";
import { activitySchema, agentStatusSchema, agentUsageSchema, approvalRequestSchema, approvalWaitSchema, deliverableSchema } from "#app/domain/forms/agent-api";
import { agentCommentSchema } from "#app/domain/forms/comments";
import { isUuid } from "#app/domain/ids";
import { parseJsonValue } from "../http/json-body.server";
import type { Runtime } from "../runtime.server";
import {
  addAgentActivity,
  addAgentComment,
  addAgentDeliverable,
  listAgentTasks,
  readAgentTask,
  reportAgentUsage,
  requestAgentApproval,
  setAgentTaskStatus,
  waitForAgentApproval,
} from "./agent-calls.server";

// The agent API as an MCP server (decision 051). Stateless Streamable HTTP:
// every POST to /api/mcp gets a server and a transport of its own that live
// for that request, so any instance can answer any call and nothing is kept
// between calls. The route has already checked the bearer token (as the
// agent API does) and hands over who called; each tool validates its
// arguments with the agent API route's own zod schema and calls the same
// service function (agent-calls.server.ts). A refusal comes back as a tool
// error whose content is the API's error JSON ({"error":{"code","message","details"?}}),
// so an agent reads the same codes over MCP as over HTTP.

export interface McpCaller {
  agent: AuthenticatedAgent;
  tokenHash: string;
  log: Runtime["log"];
  /** The HTTP request's signal: a wait ends when the client goes away. */
  signal: AbortSignal;
}

type Rt = Pick<Runtime, "db" | "env" | "log" | "bus" | "limits">;

interface ToolDef {
  name: string;
  title: string;
  description: string;
  /** The tool's arguments: the agent API route's body schema (plus `task_id`, the route's path, when `onTask`). */
  schema: z.ZodType;
  /** Takes a `task_id` argument, checked like the API's path (not_found unless the task is the caller's). */
  onTask: boolean;
  /** Charged to the agent's write budget, like every agent API call but a GET. */
  write: boolean;
  run(rt: Rt, caller: McpCaller, input: never, taskId: string): Promise<Record<string, unknown>>;
}

function tool<S extends z.ZodType>(
  def: Omit<ToolDef, "run" | "schema"> & { schema: S; run(rt: Rt, caller: McpCaller, input: z.output<S>, taskId: string): Promise<Record<string, unknown>> },
): ToolDef {
  return def as ToolDef;
}

const noArguments = z.strictObject({});

export const MCP_TOOLS: ToolDef[] = [
  tool({
    name: "list_tasks",
    title: "List my tasks",
    description: "The open tasks assigned to you (a task token sees its one task).",
    schema: noArguments,
    onTask: false,
    write: false,
    run: async (rt, { agent }) => ({ tasks: await listAgentTasks(rt, agent) }),
  }),
  tool({
    name: "get_task",
    title: "Read a task",
    description: "One of your tasks with its dispatch context: title, description, status, the agreed spec, and the HTTP callback URLs.",
    schema: noArguments,
    onTask: true,
    write: false,
    run: async (rt, { agent }, _input, taskId) => ({ task: await readAgentTask(rt, agent, taskId) }),
  }),
  tool({
    name: "add_activity",
    title: "Add a progress note",
    description: "A progress note on your task's activity feed (it also clears a stall flag). type: lowercase, default progress.",
    schema: activitySchema,
    onTask: true,
    write: true,
    run: (rt, { tokenHash }, input, taskId) => addAgentActivity(rt, tokenHash, taskId, input),
  }),
  tool({
    name: "add_deliverable",
    title: "Add a deliverable",
    description: "Something your task produced: a file (path of an uploaded file), a url, or an artifact. Add them all before moving the task to review.",
    schema: deliverableSchema,
    onTask: true,
    write: true,
    run: (rt, { agent }, input, taskId) => addAgentDeliverable(rt, agent, taskId, input),
  }),
  tool({
    name: "add_comment",
    title: "Comment on a task",
    description: "A Markdown comment on your task; @name mentions a user or an agent. in_reply_to answers a comment by its id.",
    schema: agentCommentSchema,
    onTask: true,
    write: true,
    run: async (rt, { agent, log }, input, taskId) => ({ comment: await addAgentComment(rt, agent, taskId, input, log, "mcp") }),
  }),
  tool({
    name: "report_usage",
    title: "Report token usage",
    description:
      "Your run's token usage, once, as a total (run_id makes a retry harmless). The gateway's own measurement of the run counts over a self-report.",
    schema: agentUsageSchema,
    onTask: true,
    write: true,
    run: (rt, { agent }, input, taskId) => reportAgentUsage(rt, agent, taskId, input),
  }),
  tool({
    name: "set_task_status",
    title: "Move a task",
    description: "Move your task to in_progress, testing or review (with a summary). Add every deliverable first: from review on they cannot change.",
    schema: agentStatusSchema,
    onTask: true,
    write: true,
    run: (rt, { agent, log }, input, taskId) => setAgentTaskStatus(rt, agent, taskId, input, log, "mcp"),
  }),
  tool({
    name: "request_approval",
    title: "Ask to act",
    description:
      "Ask before a risky action. The task's autonomy policy decides: approved by policy at once, or pending (with a digest binding exactly this action, args and target). Then wait_for_approval.",
    schema: approvalRequestSchema,
    onTask: false,
    write: true,
    run: async (rt, { agent }, input) => (await requestAgentApproval(rt, agent, input)).body,
  }),
  tool({
    name: "wait_for_approval",
    title: "Wait for a decision",
    description:
      "Waits up to timeout_s seconds (default 25, at most 50) for an approval's decision and answers its status: approved, denied, expired, or still pending.",
    schema: approvalWaitSchema,
    onTask: false,
    write: false,
    run: (rt, { agent, signal }, input) => waitForAgentApproval(rt, agent, input.approval_id, input.timeout_s * 1000, signal),
  }),
];

const BY_NAME = new Map(MCP_TOOLS.map((t) => [t.name, t]));

/** A tool's arguments as JSON Schema: the body schema's input shape, with `task_id` first when the tool works on a task. */
function inputSchemaOf(def: ToolDef): Tool["inputSchema"] {
  const body = z.toJSONSchema(def.schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown> & {
    properties?: Record<string, object>;
    required?: string[];
  };
  delete body.$schema;
  if (!def.onTask) return { ...body, type: "object" };
  return {
    ...body,
    type: "object",
    properties: { task_id: { type: "string", format: "uuid", description: "The task's id." }, ...body.properties },
    required: ["task_id", ...(body.required ?? [])],
  };
}

const TASK_NOT_FOUND = "No task with that id is assigned to you.";

/** Validates a call's arguments like the API validates a path and a body: the same schema, the same errors. */
function parseArguments(def: ToolDef, args: Record<string, unknown> | undefined): { input: unknown; taskId: string } {
  const value = args ?? {};
  if (!def.onTask) return { input: parseJsonValue(value, def.schema, "The input"), taskId: "" };
  const { task_id: taskId, ...rest } = value;
  if (taskId === undefined) {
    throw new AppError("invalid", "The input does not match the expected shape.", {
      issues: [{ path: "task_id", message: "task_id is required", code: "invalid_type" }],
    });
  }
  if (typeof taskId !== "string" || !isUuid(taskId)) throw new AppError("not_found", TASK_NOT_FOUND);
  return { input: parseJsonValue(rest, def.schema, "The input"), taskId: taskId.toLowerCase() };
}

function result(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

function toolError(error: AppError): CallToolResult {
  const body = error.toJSON();
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body, isError: true };
}

async function callTool(rt: Rt, caller: McpCaller, name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
  const def = BY_NAME.get(name);
  if (!def) throw new McpError(ErrorCode.InvalidParams, `No tool named ${name}.`);
  const log = caller.log.child({ tool: name });
  try {
    const { input, taskId } = parseArguments(def, args);
    if (def.write) await rt.limits.consume("write", `agent:${caller.agent.id}`);
    return result(await def.run(rt, { ...caller, log }, input as never, taskId));
  } catch (error) {
    if (error instanceof AppError) return toolError(error);
    log.error({ event: "error", err: error }, "mcp tool failed");
    return toolError(new AppError("unavailable", "The server could not complete the request."));
  }
}

const INSTRUCTIONS =
  "Mission Control's agent API as tools. Report progress with add_activity, results with add_deliverable, " +
  "usage with report_usage; ask before risky actions with request_approval and wait_for_approval; " +
  "finish with set_task_status review. Errors carry the API's code and message.";

function createServer(rt: Rt, caller: McpCaller, version: string): Server {
  const server = new Server({ name: "mission-control", title: "Mission Control", version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: MCP_TOOLS.map((def) => ({
      name: def.name,
      title: def.title,
      description: def.description,
      inputSchema: inputSchemaOf(def),
      annotations: { title: def.title, readOnlyHint: !def.write, destructiveHint: false, openWorldHint: false },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => callTool(rt, caller, request.params.name, request.params.arguments));
  return server;
}

/**
 * Answers one MCP POST (already authenticated, its JSON-RPC body already
 * read and parsed) with a server and a stateless transport that end with it.
 * JSON answers, not SSE: every call here finishes within the request.
 */
export async function answerMcpRequest(rt: Rt, caller: McpCaller, request: Request, parsedBody: unknown, version: string): Promise<Response> {
  const server = createServer(rt, caller, version);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request, { parsedBody });
  } finally {
    await server.close().catch(() => {});
  }
}
