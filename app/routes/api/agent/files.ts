import { agentMethodsAt } from "#app/domain/agent-api";
import { agentCheckFileUpload } from "#app/db/agent-api.server";
import { AppError } from "#app/domain/errors";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { storeUpload, taskDir } from "#app/services/agent-plane/task-files.server";
import type { Route } from "./+types/files";

// POST /api/agent/tasks/:taskId/files — multipart, field "file" (one file,
// at most UPLOAD_MAX_BYTES, 413 beyond), stored under FILES_DIR/<task>/.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId, log }) => {
      if (!/^multipart\/form-data\b/i.test(args.request.headers.get("content-type") ?? "")) {
        throw new AppError("unsupported_media_type", "Send the file as multipart/form-data in a field named file.");
      }
      // Only the task's own agent may write into its directory, and only
      // while its deliverables are open (not from review on, 409).
      const mayUpload = () => agentCheckFileUpload(rt.db, agent.id, taskId);
      await mayUpload();
      const dir = await taskDir(rt.env.filesDir, taskId!);
      const { file } = await storeUpload(args.request, dir, rt.env.UPLOAD_MAX_BYTES);
      // Asked again once stored: the task may have gone to review meanwhile.
      await mayUpload().catch(async (error: unknown) => {
        await file.discard();
        throw error;
      });
      log.info({ event: "file.uploaded", path: file.path, size: file.size }, "agent uploaded a file");
      return Response.json({ path: file.path, size: file.size, sha256: file.sha256 }, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through: the registry's at this path (405 with Allow for the rest).
export const handle = { methods: agentMethodsAt("/tasks/{taskId}/files") };
