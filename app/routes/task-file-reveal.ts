import { execFile } from "node:child_process";
import { data, redirect } from "react-router";
import { getTask } from "#app/db/api.server";
import { requestContext, workspaceContext } from "#app/context.server";
import { operator } from "#app/services/auth/operator.server";
import { resolveTaskFile } from "#app/services/agent-plane/task-files.server";
import { found } from "#app/services/http/page-errors.server";
import { pathId } from "#app/services/workspace.server";
import type { Route } from "./+types/task-file-reveal";

// POST /w/:slug/tasks/:taskId/reveal (form field "path") — shows a task's file
// in the desktop's file manager, for installs where the dashboard runs on the
// operator's own machine. Off unless ENABLE_FILE_REVEAL=1 (404). The file is
// resolved exactly as for downloads and handed to the opener as one argument:
// execFile, never a shell.

const REVEAL_TIMEOUT_MS = 5_000;

function opener(platform: NodeJS.Platform, file: string): [string, string[]] | null {
  if (platform === "linux") return ["xdg-open", [file]];
  if (platform === "darwin") return ["open", ["-R", file]];
  return null;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: REVEAL_TIMEOUT_MS, windowsHide: true }, (error) => (error ? reject(error) : resolve()));
  });
}

function notFound(): never {
  throw data({ message: "Not found." }, { status: 404 });
}

export function loader({ context }: Route.LoaderArgs) {
  if (!context.get(requestContext).rt.env.ENABLE_FILE_REVEAL) notFound();
  throw data({ message: "Use POST." }, { status: 405, headers: { Allow: "POST" } });
}

export async function action({ request, context, params }: Route.ActionArgs) {
  if (!context.get(requestContext).rt.env.ENABLE_FILE_REVEAL) notFound();
  if (request.method.toUpperCase() !== "POST") throw data({ message: "Use POST." }, { status: 405, headers: { Allow: "POST" } });
  const { db, rt, log } = operator(context, request, "operator");
  const workspace = context.get(workspaceContext);
  const taskId = pathId(params.taskId, "Task");
  const task = await getTask(db, taskId);
  if (task?.workspace_id !== workspace.id) found(null, "Task");
  const form = await request.formData();
  const raw = form.get("path");
  const file = found(typeof raw === "string" ? await resolveTaskFile(rt.env.filesDir, taskId, raw) : null, "File");
  const command = opener(process.platform, file.path);
  if (!command) notFound();
  try {
    await run(...command!);
    log.info({ event: "file.revealed", task_id: taskId, path: file.path }, "revealed a task file");
  } catch (error) {
    log.warn({ event: "file.reveal_failed", task_id: taskId, err: error }, "could not reveal a task file");
    throw data({ message: "The file manager could not be opened." }, { status: 502 });
  }
  return redirect(`/w/${workspace.slug}/tasks/${taskId}`);
}
