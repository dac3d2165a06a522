import { agentMethodsAt } from "#app/domain/agent-api";
import { agentGetTask } from "#app/db/agent-api.server";
import { AppError } from "#app/domain/errors";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { resolveTaskFile, taskFileResponse } from "#app/services/agent-plane/task-files.server";
import type { Route } from "./+types/file";

// GET /api/agent/tasks/:taskId/files/<name> — a file of the agent's own task
// (one an operator attached, or one it uploaded), always as a download.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent, taskId }) => {
      // Only the task's own agent (404 for anyone else's task).
      await agentGetTask(rt.db, agent.id, taskId);
      const file = await resolveTaskFile(rt.env.filesDir, taskId!, args.params["*"] ?? "");
      const response = file ? await taskFileResponse(args.request, file) : null;
      if (!response) throw new AppError("not_found", "No such file in this task's folder.");
      return response;
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/files/{path}") };
