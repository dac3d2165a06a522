import type { Actor } from "#app/db/actor";
import { type CommentMention, type CommentWrite, createTaskComment, editTaskComment, markMentionDelivered } from "#app/db/comments.server";
import type { TaskDetail } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { mentionHandles, mentionMessage } from "#app/domain/comments";
import { callbackUrls } from "#app/domain/dispatch-message";
import { steerRefusal } from "#app/domain/forms/steer";
import { parseSessionKey } from "#app/domain/openclaw";
import { type Gateway, GatewayUnavailableError } from "../agent-plane/gateway.server";
import type { Logger } from "../observability/logger.server";
import { haltOf } from "../orchestration/steering.server";

// Comments on tasks (decision 045). The SQL writes a comment, its mentions and
// its events in one step; an operator's mention of an agent is then delivered
// here, into the task's session when that agent's run is going (as steering
// does, decision 037), or left queued for the task's next dispatch to it,
// which carries it in the dispatch message (dispatcher.server.ts).

export interface CommentDeps {
  db: Database;
  log: Logger;
  gateway: Gateway | null;
  publicUrl: string;
}

export async function postComment(deps: CommentDeps, task: TaskDetail, body: string, inReplyTo: string | null, actor: Actor): Promise<CommentWrite> {
  const written = await createTaskComment(deps.db, { taskId: task.id, workspaceId: task.workspace_id, body, mentions: mentionHandles(body), inReplyTo }, actor);
  deps.log.info({ event: "comment.created", task_id: task.id, comment_id: written.comment.id, mentions: written.new_mentions.length }, "comment posted");
  return deliverMentions(deps, task, written);
}

export async function editComment(deps: CommentDeps, task: TaskDetail, commentId: string, body: string, actor: Actor): Promise<CommentWrite> {
  const written = await editTaskComment(deps.db, commentId, { taskId: task.id, workspaceId: task.workspace_id, body, mentions: mentionHandles(body) }, actor);
  return deliverMentions(deps, task, written);
}

/**
 * Sends each newly queued agent mention into the task's session when the
 * session is that agent's and can take a message now; what cannot be sent
 * stays queued (never reads as delivered) and goes with the next dispatch.
 */
async function deliverMentions(deps: CommentDeps, task: TaskDetail, written: CommentWrite): Promise<CommentWrite> {
  const queued = written.new_mentions.filter((m) => m.kind === "agent" && m.delivery === "queued");
  if (queued.length === 0) return written;
  const sessionAgent = task.session_key ? parseSessionKey(task.session_key)?.agentId : undefined;
  const live = sessionAgent && steerRefusal(task, await haltOf(deps.db, task)) === null;
  const delivered = new Map<string, CommentMention>();
  for (const mention of queued) {
    if (!live || !deps.gateway || mention.openclaw_agent_id !== sessionAgent) continue;
    const message = mentionMessage({
      taskId: task.id,
      commentId: written.comment.id,
      authorName: written.comment.author.name,
      body: written.comment.body,
      commentsUrl: callbackUrls(deps.publicUrl, task.id).comments,
    });
    try {
      const { runId } = await deps.gateway.sendMessage({
        agentId: sessionAgent,
        sessionKey: task.session_key!,
        message,
        idempotencyKey: `mc-task-${task.id}-mention-${mention.id}`,
      });
      await markMentionDelivered(deps.db, mention.id, runId);
      delivered.set(mention.id, { ...mention, delivery: "delivered", run_id: runId });
      deps.log.info({ event: "comment.mention_delivered", task_id: task.id, comment_id: written.comment.id, run_id: runId });
    } catch (error) {
      if (!(error instanceof GatewayUnavailableError)) throw error;
      deps.log.warn({ event: "comment.mention_queued", task_id: task.id, comment_id: written.comment.id, reason: error.reason });
    }
  }
  if (delivered.size === 0) return written;
  const swap = (m: CommentMention) => delivered.get(m.id) ?? m;
  return {
    ...written,
    comment: { ...written.comment, mentions: written.comment.mentions.map(swap) },
    new_mentions: written.new_mentions.map(swap),
  };
}
