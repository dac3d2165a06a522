import { callbackUrls } from "#app/domain/dispatch-message";
import { agentStatusSchema } from "#app/domain/forms/agent-api";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { readJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/task";

// GET /api/agent/tasks/:taskId — one task with its dispatch context.
// PATCH /api/agent/tasks/:taskId {"status","summary"?} — only the moves an agent may make.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    GET: async ({ rt, agent, taskId }) => {
      const task = await rt.db.rpc<Record<string, unknown>>("agent_get_task", { p_agent_id: agent.id, p_task_id: taskId });
      return Response.json({ task: { ...task, callbacks: callbackUrls(rt.env.publicUrl, taskId!) } });
    },
    PATCH: async ({ rt, agent, taskId, log }) => {
      const body = await readJson(args.request, agentStatusSchema, 64 * 1024);
      const result = await rt.db.rpc<{ changed: boolean; status: string }>("agent_set_status", {
        p_agent_id: agent.id,
        p_task_id: taskId,
        p_status: body.status,
        p_summary: body.summary,
      });
      if (result.changed) log.info({ event: "task.state_changed", to: result.status, via: "agent_api" }, "agent moved its task");
      return Response.json({ task_id: taskId, ...result });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["GET", "PATCH"] };
