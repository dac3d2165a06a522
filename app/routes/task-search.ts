import { workspaceContext } from "#app/context.server";
import { searchTasks } from "#app/db/tasks.server";
import { AppError } from "#app/domain/errors";
import { taskSearchSchema } from "#app/domain/forms/task-search";
import { STATUS_LABELS } from "#app/domain/task-status";
import { operator } from "#app/services/auth/operator.server";
import { apiHandler } from "#app/services/http/json-api.server";
import type { Route } from "./+types/task-search";

// The command palette's task search: GET /w/:slug/search.json?q=… answers
// the workspace's tasks whose title contains q, for a signed-in viewer or
// above (a signed-out request is sent to sign in like any page).
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, log } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  return apiHandler(log, async () => {
    const parsed = taskSearchSchema.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const message = issue.code === "unrecognized_keys" ? `Unknown parameter(s): ${issue.keys.join(", ")}` : issue.message;
      throw new AppError("invalid", message, { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
    }
    const hits = await searchTasks(db, workspace.id, parsed.data.q, parsed.data.limit);
    return Response.json(
      { tasks: hits.map((t) => ({ id: t.id, title: t.title, status: t.status, status_label: STATUS_LABELS[t.status] })) },
      { headers: { "Cache-Control": "no-store" } },
    );
  });
}
