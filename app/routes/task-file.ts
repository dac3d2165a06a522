import { Readable } from "node:stream";
import { workspaceContext } from "#app/context.server";
import { getTask } from "#app/db/api.server";
import { operator } from "#app/services/auth/operator.server";
import { openTaskFile, resolveTaskFile } from "#app/services/agent-plane/task-files.server";
import { found } from "#app/services/http/page-errors.server";
import { pathId } from "#app/services/workspace.server";
import type { Route } from "./+types/task-file";

// GET /w/:slug/tasks/:taskId/files/* — a task's stored file, for any signed-in
// operator. Always a download (attachment, nosniff, sandboxed, octet-stream):
// nothing an agent wrote ever renders on the dashboard's origin. Any path that
// does not name a regular file inside FILES_DIR/<task>/ is a plain 404.

/** RFC 8187 ext-value: percent-encode everything but attr-chars. */
function contentDisposition(name: string): string {
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=UTF-8''${encoded}`;
}

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, rt } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const taskId = pathId(params.taskId, "Task");
  const task = await getTask(db, taskId);
  if (task?.workspace_id !== workspace.id) found(null, "Task");
  const file = found(await resolveTaskFile(rt.env.filesDir, taskId, params["*"] ?? ""), "File");
  let opened: Awaited<ReturnType<typeof openTaskFile>>;
  try {
    opened = await openTaskFile(file);
  } catch {
    // Gone, or swapped for a link, since it was resolved.
    return found(null, "File");
  }
  let body: ReadableStream<Uint8Array> | null = null;
  // A HEAD answer has no body: do not leave an unread stream holding the file open.
  if (request.method.toUpperCase() === "HEAD") await opened.handle.close();
  else body = Readable.toWeb(opened.handle.createReadStream()) as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(opened.size),
      "Content-Disposition": contentDisposition(file.name),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "Cache-Control": "private, no-store",
    },
  });
}
