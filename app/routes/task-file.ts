import { workspaceContext } from "#app/context.server";
import { getTask } from "#app/db/tasks.server";
import { operator } from "#app/services/auth/operator.server";
import { resolveTaskFile, taskFileResponse } from "#app/services/agent-plane/task-files.server";
import { found } from "#app/services/http/page-errors.server";
import { pathId } from "#app/services/workspace.server";
import type { Route } from "./+types/task-file";

// GET /w/:slug/tasks/:taskId/files/* — a task's stored file, for any signed-in
// operator. A download by default (attachment, nosniff, sandboxed,
// octet-stream); `?preview=1` answers an image, an HTML report or a text file
// inline for the task page's previews, under a sandbox policy with no script
// and no access to the app's origin (see taskFileResponse). Any path that does
// not name a regular file inside FILES_DIR/<task>/ is a plain 404.

export async function loader({ request, context, params, url }: Route.LoaderArgs) {
  const { db, rt } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const taskId = pathId(params.taskId, "Task");
  const task = await getTask(db, taskId);
  if (task?.workspace_id !== workspace.id) found(null, "Task");
  const file = found(await resolveTaskFile(rt.env.filesDir, taskId, params["*"] ?? ""), "File");
  const response = await taskFileResponse(request, file, url.searchParams.get("preview") === "1");
  return response ?? found(null, "File");
}
