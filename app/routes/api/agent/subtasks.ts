import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentCreateSubtask } from "#app/db/agent-api.server";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/subtasks";

// POST /api/agent/tasks/:taskId/subtasks {"title","description"?,"priority"?} —
// a subtask of the agent's task, in its workspace's inbox (decision 044).
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId, log }) => {
      const body = await readJson(args.request, agentBody("createSubtask"), AGENT_OPERATIONS.createSubtask.maxBytes);
      const created = await agentCreateSubtask(rt.db, agent.id, taskId, body);
      log.info({ event: "task.created", task_id: created.id, parent_id: taskId, via: "agent_api" }, "agent created a subtask");
      return Response.json({ task: created, parent_id: taskId }, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/subtasks") };
