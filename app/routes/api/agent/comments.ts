import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentListComments } from "#app/db/comments.server";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { addAgentComment } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/comments";

// GET /api/agent/tasks/:taskId/comments — the task's comments, oldest first.
// POST /api/agent/tasks/:taskId/comments {"body","in_reply_to"?} — the agent
// comments on its task (decision 045), e.g. answering a comment that mentioned it.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent, taskId }) => Response.json({ comments: await agentListComments(rt.db, agent.id, taskId) }),
    POST: async ({ rt, agent, taskId, log }) => {
      const body = await readJson(args.request, agentBody("addComment"), AGENT_OPERATIONS.addComment.maxBytes);
      return Response.json({ comment: await addAgentComment(rt, agent, taskId!, body, log, "agent_api") }, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/comments") };
