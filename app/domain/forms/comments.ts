import { z } from "zod";
import { mentionHandles } from "../comments";
import { COLUMN_LIMITS, INPUT_LIMITS, atMost } from "../field-limits";

// Comments on a task (decision 045): the task page's three forms and the
// agent API's bodies. The text is Markdown; its @mentions are read here and
// resolved (or refused, by name) in SQL.

const BODY_MAX = COLUMN_LIMITS.task_comments.body;

/** A comment's text: not blank, within the column, and not mentioning more than a handful. */
export const commentBody = z
  .string({ error: "Write a comment" })
  .trim()
  .min(1, "Write a comment")
  .max(BODY_MAX, atMost(BODY_MAX))
  .refine((text) => mentionHandles(text).length <= INPUT_LIMITS.commentMentions, `At most ${INPUT_LIMITS.commentMentions} mentions in one comment`)
  .refine((text) => mentionHandles(text).every((h) => h.length <= INPUT_LIMITS.mentionHandle), "A mention is too long");

const commentId = z.uuid({ error: "Unknown comment" });

export const commentCreateSchema = z.strictObject({ body: commentBody, in_reply_to: commentId.optional().or(z.literal("").transform(() => undefined)) });

export const commentEditSchema = z.strictObject({ comment_id: commentId, body: commentBody });

export const commentDeleteSchema = z.strictObject({ comment_id: commentId });

/** POST /api/agent/tasks/:taskId/comments. */
export const agentCommentSchema = z.strictObject({ body: commentBody, in_reply_to: commentId.optional() });

/** PATCH /api/agent/tasks/:taskId/comments/:commentId. */
export const agentCommentEditSchema = z.strictObject({ body: commentBody });
