import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { listAgents } from "#app/db/agents.server";
import { listTaskTypes } from "#app/db/governance.server";
import { getTask } from "#app/db/tasks.server";
import { createTaskFrom } from "#app/services/tasks/task-create.server";
import { taskIdIn } from "#app/domain/forms/task-links";
import { listPipelines } from "#app/db/pipelines.server";
import { getTaskTemplate } from "#app/db/routines.server";
import { templateFormValues } from "#app/domain/forms/routines";
import { AppError } from "#app/domain/errors";
import { taskCreateSchema } from "#app/domain/forms/task";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { TaskForm } from "#app/components/task-form";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/task-new";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = () => [{ title: "New task · Mission Control" }];

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const status = url.searchParams.get("status");
  // "New subtask" on a task page: the parent, if it is a task of this workspace.
  const parentId = taskIdIn(url.searchParams.get("parent") ?? "");
  // "New task from template": the form starts with the template's fields (decision 046).
  const templateId = taskIdIn(url.searchParams.get("template") ?? "");
  const [agents, taskTypes, pipelines, parentTask, found] = await Promise.all([
    listAgents(db, workspace.id),
    listTaskTypes(db),
    listPipelines(db, workspace.id),
    parentId ? getTask(db, parentId) : null,
    templateId ? getTaskTemplate(db, templateId) : null,
  ]);
  const parent = parentTask && parentTask.workspace_id === workspace.id ? { id: parentTask.id, title: parentTask.title } : null;
  const template = found && found.workspace_id === workspace.id ? found : null;
  const { name: _name, ...prefill } = template ? templateFormValues(template) : { name: "" };
  return {
    workspace,
    agents,
    taskTypes,
    pipelines,
    parent,
    template: template ? { id: template.id, name: template.name } : null,
    prefill: template ? prefill : null,
    status: status === "planning" ? status : "inbox",
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  const parsed = parseForm(form, taskCreateSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values);
  try {
    const fields = parsed.data;
    const task = await createTaskFrom(db, workspace.id, fields, actor);
    log.info({ event: "task.created", task_id: task.id, status: task.status }, "task created");
    return redirectWithToast(`/w/${workspace.slug}/tasks/${task.id}`, { kind: "success", message: `Task ${quoted(fields.title)} created.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form));
    throw error;
  }
}

export default function NewTask({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, agents, taskTypes, pipelines, parent, template, prefill, status } = loaderData;
  return (
    <main id="main" className="page page-narrow">
      <p className="crumbs">
        <Link to={`/w/${workspace.slug}`} reloadDocument>
          ← Board
        </Link>
      </p>
      <h1>New task</h1>
      {template ? (
        <p className="muted" data-testid="from-template">
          From the template <strong>{template.name}</strong>
        </p>
      ) : null}
      <TaskForm
        agents={agents}
        taskTypes={taskTypes}
        pipelines={pipelines}
        values={actionData?.values ?? prefill ?? { status }}
        errors={actionData?.errors ?? {}}
        formError={actionData?.formError}
        submitLabel="Create task"
        parent={parent}
        withStatus
      />
    </main>
  );
}
