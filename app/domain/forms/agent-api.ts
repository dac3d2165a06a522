import { PRIORITIES } from "../priority";
import { z } from "zod";
import { COLUMN_LIMITS, INPUT_LIMITS } from "../field-limits";

// Bodies of the agent API and the completion webhook. Strict: an unknown key
// (an `updated_by_agent_id`, say) is an error, never silently trusted.

const tokens = z.number().int().min(0).max(1e12);

export const usageSchema = z
  .object({
    model: z.string().trim().max(COLUMN_LIMITS.usage_records.model).default(""),
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_tokens: tokens.default(0),
    cache_write_tokens: tokens.default(0),
    cost_usd: z.number().min(0).max(1e6).nullable().default(null),
  })
  .strict();

export const agentUsageSchema = usageSchema.extend({ run_id: z.string().min(1).max(INPUT_LIMITS.usageRunId).optional() }).strict();

const metadata = z
  .record(z.string().max(INPUT_LIMITS.metadataKey), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 16_384, "metadata is limited to 16 KiB")
  .default({});

export const activitySchema = z
  .object({
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,39}$/, "lowercase letters, digits, _ and ., at most 40")
      .default("progress"),
    message: z.string().trim().min(1, "message is required").max(COLUMN_LIMITS.task_activities.message),
    metadata,
  })
  .strict();

const httpUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" }).max(COLUMN_LIMITS.task_deliverables.url);

export const deliverableSchema = z
  .object({
    type: z.enum(["file", "url", "artifact"]),
    title: z.string().trim().min(1, "title is required").max(COLUMN_LIMITS.task_deliverables.title),
    path: z.string().min(1).max(COLUMN_LIMITS.task_deliverables.path).optional(),
    url: httpUrl.optional(),
    description: z.string().max(COLUMN_LIMITS.task_deliverables.description).default(""),
  })
  .strict()
  .refine((d) => d.type !== "file" || d.path, { path: ["path"], message: "a file deliverable needs a path" })
  .refine((d) => d.type !== "url" || d.url, { path: ["url"], message: "a url deliverable needs a url" });

export const agentStatusSchema = z
  .object({
    status: z.enum(["in_progress", "testing", "review"]),
    summary: z.string().max(COLUMN_LIMITS.task_activities.message).default(""),
  })
  .strict();

export const approvalRequestSchema = z
  .object({
    task_id: z.uuid(),
    action: z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "lowercase action name, at most 64 characters"),
    args: z.record(z.string().max(INPUT_LIMITS.actionArgKey), z.unknown()).default({}),
    target: z.string().max(COLUMN_LIMITS.approvals.target).default(""),
    reason: z.string().max(COLUMN_LIMITS.approvals.reason).default(""),
  })
  .strict()
  .refine((a) => JSON.stringify(a.args).length <= 32_768, { path: ["args"], message: "args are limited to 32 KiB" });

export const webhookBodySchema = z.union([
  z.object({ task_id: z.uuid(), summary: z.string().max(COLUMN_LIMITS.task_activities.message).default(""), usage: usageSchema.optional() }).strict(),
  z
    .object({
      session_key: z.string().min(1).max(COLUMN_LIMITS.tasks.session_key),
      message: z
        .string()
        .max(COLUMN_LIMITS.task_activities.message)
        .refine((m) => m.trimStart().startsWith("TASK_COMPLETE:"), "message must start with TASK_COMPLETE:"),
      usage: usageSchema.optional(),
    })
    .strict(),
]);

/** POST /api/agent/tasks/:taskId/dependencies: the task this one waits on. */
export const agentDependencySchema = z.object({ blocked_by: z.uuid({ error: "blocked_by must be a task id" }) }).strict();

/** POST /api/agent/tasks/:taskId/subtasks: a new subtask in the inbox. */
export const agentSubtaskSchema = z
  .object({
    title: z.string().trim().min(1, "title is required").max(COLUMN_LIMITS.tasks.title),
    description: z.string().max(COLUMN_LIMITS.tasks.description).default(""),
    priority: z.enum(PRIORITIES).default("normal"),
  })
  .strict();

/** The longest one wait for an approval's decision holds its call: under the 60 s an MCP client waits for an answer by default. */
export const APPROVAL_WAIT_MAX_S = 50;

/** The MCP tool wait_for_approval: which approval, and how long to wait for its decision (0: answer its state at once). */
export const approvalWaitSchema = z
  .object({
    approval_id: z.uuid({ error: "approval_id must be an approval's id" }),
    timeout_s: z.number().int().min(0).max(APPROVAL_WAIT_MAX_S).default(25),
  })
  .strict();
