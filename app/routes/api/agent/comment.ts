import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentDeleteComment, agentEditComment } from "#app/db/comments.server";
import { mentionHandles } from "#app/domain/comments";
import { AppError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/comment";

// PATCH /api/agent/tasks/:taskId/comments/:commentId {"body"} — the agent edits its own comment (the old text is kept).
// DELETE /api/agent/tasks/:taskId/comments/:commentId — and deletes it (a tombstone stays). Another's comment is a 403.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  const commentId = () => {
    const id = args.params.commentId;
    if (!isUuid(id)) throw new AppError("not_found", "Comment not found.");
    return id.toLowerCase();
  };
  return agentApi(args, {
    PATCH: async ({ rt, agent, taskId }) => {
      const id = commentId();
      const body = await readJson(args.request, agentBody("editComment"), AGENT_OPERATIONS.editComment.maxBytes);
      const written = await agentEditComment(rt.db, agent.id, taskId, id, body.body, mentionHandles(body.body));
      return Response.json({ comment: written.comment, changed: written.changed ?? true });
    },
    DELETE: async ({ rt, agent, taskId }) => Response.json({ comment: await agentDeleteComment(rt.db, agent.id, taskId, commentId()) }),
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/comments/{commentId}") };
