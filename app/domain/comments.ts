// Comments on tasks (decision 045): the @mentions a comment's text makes,
// and the words an agent receives when it is mentioned. Pure: the SQL
// resolves each handle to an agent or a user, and refuses the unknown.

/**
 * `@handle` where a word may start: an agent's OpenClaw id or its name with
 * dashes for spaces, a user's e-mail address or the part before its @.
 * Not inside a word or an address ("bob@example.com" mentions nobody).
 */
const MENTION = /(?<![\p{L}\p{N}_@./+-])@([a-z0-9][a-z0-9_.+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)/giu;

/** Code is quoted text: a handle in a fenced block or a `span` mentions nobody. */
function withoutCode(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?(?:^\1[^\n]*$|(?![\s\S]))/gm, " ").replace(/(`+)[^`]*?\1/g, " ");
}

/** The handles a comment mentions, lower case, each once, in the order written. */
export function mentionHandles(text: string): string[] {
  const handles: string[] = [];
  for (const m of withoutCode(text).matchAll(MENTION)) {
    // "thanks @ada." ends a sentence; the dot is not part of the handle.
    const handle = m[1]!.replace(/[._+-]+$/, "").toLowerCase();
    if (handle && !handles.includes(handle)) handles.push(handle);
  }
  return handles;
}

export interface MentionNote {
  taskId: string;
  commentId: string;
  authorName: string;
  body: string;
  /** The comments endpoint of the agent API for this task. */
  commentsUrl: string;
}

/** How an agent is asked to answer a comment: with a comment of its own, in reply. */
export function replyInstructions(commentsUrl: string, commentId: string): string {
  return `Reply with a comment: POST ${commentsUrl}  {"body":"…","in_reply_to":"${commentId}"} (with your Authorization header).`;
}

/** What a running session receives when an operator mentions its agent in a comment. */
export function mentionMessage(note: MentionNote): string {
  return [
    `${note.authorName || "An operator"} mentioned you in a comment on this task (comment ${note.commentId}):`,
    ``,
    note.body,
    ``,
    replyInstructions(note.commentsUrl, note.commentId),
  ].join("\n");
}
