import type { Actor } from "./actor";
import type { Database } from "./types";

// Comments on tasks with @mentions (decision 045): supabase/sql/18_comments.sql.

/** What became of a mention: an agent's is delivered into its running session, queued for its next dispatch, then dispatched. */
export type MentionDelivery = "delivered" | "queued" | "dispatched" | "notified" | "none";

export interface CommentMention {
  id: string;
  kind: "agent" | "user";
  agent_id: string | null;
  user_id: string | null;
  handle: string;
  name: string;
  /** The mentioned agent's OpenClaw id: its session is the one a mention is delivered into. */
  openclaw_agent_id: string | null;
  delivery: MentionDelivery;
  run_id: string | null;
  delivered_at: string | null;
}

export interface TaskComment {
  id: string;
  task_id: string;
  author: { type: "user" | "agent"; id: string | null; name: string };
  /** Empty for a deleted comment (a tombstone). */
  body: string;
  in_reply_to: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** How many earlier texts are kept. */
  revisions: number;
  mentions: CommentMention[];
}

export interface ListedComment extends TaskComment {
  /** The earlier texts of a comment still shown, newest first. */
  history: Array<{ body: string; replaced_at: string }>;
}

export interface CommentWrite {
  comment: TaskComment;
  /** Mentions this write added: the agents' wait to be delivered. */
  new_mentions: CommentMention[];
  changed?: boolean;
}

export const listTaskComments = (db: Database, taskId: string) => db.rpc<ListedComment[]>("list_task_comments", { p_task_id: taskId });

export interface CommentInput {
  taskId: string;
  workspaceId: string;
  body: string;
  mentions: string[];
  inReplyTo?: string | null;
}

export const createTaskComment = (db: Database, input: CommentInput, actor: Actor) =>
  db.rpc<CommentWrite>("create_task_comment", {
    p_task_id: input.taskId,
    p_workspace_id: input.workspaceId,
    p_body: input.body,
    p_mentions: input.mentions,
    p_in_reply_to: input.inReplyTo ?? null,
    p_actor: actor,
  });

export const editTaskComment = (db: Database, commentId: string, input: Omit<CommentInput, "inReplyTo">, actor: Actor) =>
  db.rpc<CommentWrite>("edit_task_comment", {
    p_comment_id: commentId,
    p_task_id: input.taskId,
    p_workspace_id: input.workspaceId,
    p_body: input.body,
    p_mentions: input.mentions,
    p_actor: actor,
  });

export const deleteTaskComment = (db: Database, commentId: string, taskId: string, workspaceId: string, actor: Actor) =>
  db.rpc<TaskComment>("delete_task_comment", { p_comment_id: commentId, p_task_id: taskId, p_workspace_id: workspaceId, p_actor: actor });

export const agentCreateComment = (db: Database, agentId: string, taskId: string | undefined, body: string, mentions: string[], inReplyTo: string | null) =>
  db.rpc<CommentWrite>("agent_create_comment", { p_agent_id: agentId, p_task_id: taskId, p_body: body, p_mentions: mentions, p_in_reply_to: inReplyTo });

export const agentEditComment = (db: Database, agentId: string, taskId: string | undefined, commentId: string, body: string, mentions: string[]) =>
  db.rpc<CommentWrite>("agent_edit_comment", { p_agent_id: agentId, p_task_id: taskId, p_comment_id: commentId, p_body: body, p_mentions: mentions });

export const agentDeleteComment = (db: Database, agentId: string, taskId: string | undefined, commentId: string) =>
  db.rpc<TaskComment>("agent_delete_comment", { p_agent_id: agentId, p_task_id: taskId, p_comment_id: commentId });

export const agentListComments = (db: Database, agentId: string, taskId: string | undefined) =>
  db.rpc<ListedComment[]>("agent_list_comments", { p_agent_id: agentId, p_task_id: taskId });

export const markMentionDelivered = (db: Database, mentionId: string, runId: string) =>
  db.rpc<null>("mark_mention_delivered", { p_mention_id: mentionId, p_run_id: runId });

export interface QueuedMention {
  mention_id: string;
  comment_id: string;
  author_name: string;
  body: string;
  created_at: string;
}

export const queuedMentionsFor = (db: Database, taskId: string, agentId: string) =>
  db.rpc<QueuedMention[]>("queued_mentions_for", { p_task_id: taskId, p_agent_id: agentId });

export const markMentionsDispatched = (db: Database, mentionIds: string[], runId: string) =>
  db.rpc<null>("mark_mentions_dispatched", { p_mention_ids: mentionIds, p_run_id: runId });
