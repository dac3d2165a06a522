import { AGENT_OPERATIONS, agentBody, agentMethodsAt } from "#app/domain/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readAgentTask, setAgentTaskStatus } from "#app/services/agent-plane/agent-calls.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/task";

// GET /api/agent/tasks/:taskId — one task with its dispatch context.
// PATCH /api/agent/tasks/:taskId {"status","summary"?} — only the moves an agent may make.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent, taskId }) => Response.json({ task: await readAgentTask(rt, agent, taskId!) }),
    PATCH: async ({ rt, agent, taskId, log }) => {
      const body = await readJson(args.request, agentBody("setTaskStatus"), AGENT_OPERATIONS.setTaskStatus.maxBytes);
      return Response.json(await setAgentTaskStatus(rt, agent, taskId!, body, log, "agent_api"));
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}") };
