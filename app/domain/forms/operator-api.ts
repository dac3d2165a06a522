import { z } from "zod";
import { API_KEY_SCOPES } from "../api-keys";
import { COLUMN_LIMITS as L, INPUT_LIMITS, LABEL_LIMITS, atMost } from "../field-limits";
import { labelProblem, normaliseLabel } from "../labels";
import { PERIODS } from "../analytics";
import { PRIORITIES } from "../priority";
import { TASK_STATUSES } from "../task-status";
import { decisionSchema } from "./approvals";
import { boardQuerySchema } from "./board-query";
import { commentBody } from "./comments";
import { dueAt, taskFields } from "./task";

// The operator API's request bodies and query strings (/api/v1, decision 050):
// JSON, strict (an unknown field is refused), each limit the pages' own. They
// stay representable as JSON Schema (z.toJSONSchema, input side), so the
// operation registry can be published as an OpenAPI document.

const uuid = (message: string) => z.uuid({ error: message });

/** Labels as a JSON array: each normalised as the task form does, each once, at most LABEL_LIMITS.perTask. */
const labelList = z
  .array(z.string().max(INPUT_LIMITS.labelsField, atMost(INPUT_LIMITS.labelsField)), { error: "Labels are an array of strings" })
  .max(LABEL_LIMITS.perTask, `At most ${LABEL_LIMITS.perTask} labels`)
  .transform((values, ctx) => {
    const labels: string[] = [];
    for (const value of values) {
      const label = normaliseLabel(value);
      const problem = labelProblem(label);
      if (problem) {
        ctx.issues.push({ code: "custom", message: `${problem}: "${label.slice(0, 40)}"`, input: value });
        return z.NEVER;
      }
      if (!labels.includes(label)) labels.push(label);
    }
    return labels;
  });

const { labels: _formLabels, ...formFields } = taskFields;

/** POST /api/v1/workspaces/:slug/tasks: the new-task page's fields (labels as an array). */
export const apiTaskCreateSchema = z
  .strictObject({
    ...formFields,
    labels: labelList.default([]),
    status: z.enum(["planning", "inbox", "assigned"], { error: "New tasks start in planning, inbox or assigned" }).default("inbox"),
    pipeline_id: uuid("Unknown pipeline").nullable().default(null),
    parent_id: uuid("Unknown parent task").nullable().default(null),
  })
  .refine((t) => t.status !== "assigned" || t.assigned_agent_id !== null || t.pipeline_id !== null, {
    path: ["assigned_agent_id"],
    message: "Choose an agent to assign the task to",
  });

/** PATCH /api/v1/tasks/:taskId: only the fields sent change (an absent field keeps its value). */
export const apiTaskUpdateSchema = z
  .strictObject({
    title: taskFields.title.optional(),
    description: z.string().max(L.tasks.description, atMost(L.tasks.description)).optional(),
    priority: z.enum(PRIORITIES, { error: `Use ${PRIORITIES.join(", ")}` }).optional(),
    assigned_agent_id: uuid("Unknown agent").nullable().optional(),
    due_at: dueAt.optional(),
    task_type_id: uuid("Unknown task type").nullable().optional(),
    labels: labelList.optional(),
  })
  .refine((fields) => Object.values(fields).some((v) => v !== undefined), { message: "Send at least one field to change" });

/** POST /api/v1/tasks/:taskId/move: a status, and (as the board does) optionally the card it goes before. */
export const apiTaskMoveSchema = z.strictObject({
  status: z.enum(TASK_STATUSES, { error: `Use one of ${TASK_STATUSES.join(", ")}` }),
  before: uuid("Unknown card to place it before").nullable().optional(),
});

/** POST /api/v1/tasks/:taskId/comments. */
export const apiCommentSchema = z.strictObject({ body: commentBody, in_reply_to: uuid("Unknown comment").optional() });

/** POST /api/v1/approvals/:approvalId/decision: the digest of the action the caller saw, as on the approvals page. */
export const apiDecisionSchema = z.strictObject({
  decision: z.enum(["approve", "deny", "approve_grant"], { error: "Decide approve, deny or approve_grant" }),
  digest: decisionSchema.shape.digest,
  comment: decisionSchema.shape.comment,
});

/** GET /api/v1/workspaces/:slug/tasks: the board's filters (the same parsing), and the list view's sort and page. */
export const apiTaskListQuery = boardQuerySchema
  .pick({ q: true, status: true, assignee: true, priority: true, type: true, label: true, due: true, sort: true, dir: true, page: true })
  .strict();

/** GET /api/v1/approvals. */
export const apiApprovalListQuery = z.strictObject({
  status: z.enum(["pending", "decided"], { error: "Use pending or decided" }).optional(),
});

/** GET /api/v1/workspaces/:slug/costs: the costs page's period. */
export const apiCostsQuery = z.strictObject({
  days: z.enum(PERIODS.map(String) as [string, ...string[]], { error: `Use ${PERIODS.join(", ")}` }).optional(),
});

/** An operation that takes no query string refuses one it does not know. */
export const noQuery = z.strictObject({});

export const scopeSchema = z.enum(API_KEY_SCOPES);
