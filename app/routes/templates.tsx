import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { listAgents } from "#app/db/agents.server";
import { listTaskTypes } from "#app/db/governance.server";
import { createTaskTemplate, listTaskTemplates } from "#app/db/routines.server";
import { AppError } from "#app/domain/errors";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { templateSchema } from "#app/domain/forms/routines";
import { PRIORITY_LABELS, type Priority } from "#app/domain/priority";
import { quoted } from "#app/domain/toast";
import { TemplateForm } from "#app/components/template-form";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Route } from "./+types/templates";

export const meta: Route.MetaFunction = () => [{ title: "Task templates · Mission Control" }];

// The workspace's task templates (decision 046): what a new task starts with,
// used by hand ("New task" prefilled from one) and by routines.
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const [templates, agents, taskTypes] = await Promise.all([listTaskTemplates(db, workspace.id), listAgents(db, workspace.id), listTaskTypes(db)]);
  return { workspace, templates, agents, taskTypes, canEdit: user.role !== "viewer" };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  if (form.get("intent") !== "create") return invalidForm({ _form: "Unknown action." }, undefined, "create");
  const parsed = parseForm(form, templateSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "create");
  try {
    const template = await createTaskTemplate(db, workspace.id, parsed.data, actor);
    log.info({ event: "template.created", template_id: template.id }, "task template created");
    return redirectWithToast(`/w/${workspace.slug}/templates`, { kind: "success", message: `Template ${quoted(template.name)} created.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), "create");
    throw error;
  }
}

export default function Templates({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, templates, agents, taskTypes, canEdit } = loaderData;
  const base = `/w/${workspace.slug}`;
  return (
    <main id="main" className="page">
      <p className="muted">
        A template holds what a new task starts with. Use one by hand, or let a <Link to={`${base}/routines`}>routine</Link> create its task on a schedule.
      </p>
      {templates.length === 0 ? (
        <p className="empty">No templates yet.</p>
      ) : (
        <table className="table stack" data-testid="templates">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Task title</th>
              <th scope="col">Assignee</th>
              <th scope="col">Priority</th>
              <th scope="col">Routines</th>
              <th scope="col">Use</th>
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr key={t.id} data-template-id={t.id}>
                <td data-label="Template">
                  <Link to={`${base}/templates/${t.id}`}>{t.name}</Link>
                </td>
                <td data-label="Task title">{t.title}</td>
                <td data-label="Assignee">{t.agent ? `${t.agent.emoji} ${t.agent.name}` : "Unassigned"}</td>
                <td data-label="Priority">{PRIORITY_LABELS[t.priority as Priority] ?? t.priority}</td>
                <td data-label="Routines">{t.routines}</td>
                <td data-label="Use">{canEdit ? <Link to={`${base}/tasks/new?template=${t.id}`}>New task from template</Link> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit ? (
        <section className="panel" aria-labelledby="new-template">
          <h2 id="new-template">New template</h2>
          <TemplateForm
            agents={agents}
            taskTypes={taskTypes}
            values={actionData?.values ?? {}}
            errors={actionData?.errors ?? {}}
            formError={actionData?.formError}
            intent="create"
            submitLabel="Create template"
          />
        </section>
      ) : null}
    </main>
  );
}
