import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { listAgents } from "#app/db/agents.server";
import { listTaskTypes } from "#app/db/governance.server";
import { deleteTaskTemplate, getTaskTemplate, updateTaskTemplate } from "#app/db/routines.server";
import type { Workspace } from "#app/db/workspaces.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { templateFormValues, templateSchema } from "#app/domain/forms/routines";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { TemplateForm } from "#app/components/template-form";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import { pathId } from "#app/services/workspace.server";
import type { Route } from "./+types/template-detail";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.template.name ?? "Template"} · Mission Control` }];

/** The template named in the path, if it belongs to this request's workspace. */
async function load(db: Database, workspace: Workspace, id: string | undefined) {
  const template = found(await getTaskTemplate(db, pathId(id, "Template")), "Template");
  if (template.workspace_id !== workspace.id) found(null, "Template");
  return template;
}

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const template = await load(db, workspace, params.templateId);
  const [agents, taskTypes] = await Promise.all([listAgents(db, workspace.id), listTaskTypes(db)]);
  return { workspace, template, agents, taskTypes, canEdit: user.role !== "viewer" };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const template = await load(db, workspace, params.templateId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "edit") {
      const parsed = parseForm(form, templateSchema);
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      const saved = await updateTaskTemplate(db, template.id, parsed.data, actor);
      log.info({ event: "template.changed", template_id: template.id }, "task template changed");
      return redirectWithToast(`/w/${workspace.slug}/templates/${template.id}`, { kind: "success", message: `Template ${quoted(saved.name)} saved.` });
    }
    if (intent === "delete") {
      await deleteTaskTemplate(db, template.id, actor);
      log.info({ event: "template.deleted", template_id: template.id }, "task template deleted");
      return redirectWithToast(`/w/${workspace.slug}/templates`, { kind: "success", message: `Template ${quoted(template.name)} deleted.` });
    }
    return invalidForm({ _form: "Unknown action." }, undefined, intent);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), intent);
    throw error;
  }
}

export default function TemplateDetail({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, template, agents, taskTypes, canEdit } = loaderData;
  const base = `/w/${workspace.slug}`;
  const failed = (intent: string) => (actionData?.intent === intent ? actionData : undefined);
  return (
    <main id="main" className="page page-narrow">
      <p className="crumbs">
        <Link to={`${base}/templates`}>← Templates</Link>
      </p>
      <div className="page-head">
        <h1>{template.name}</h1>
        {canEdit ? (
          <Link className="btn btn-primary" to={`${base}/tasks/new?template=${template.id}`}>
            New task from template
          </Link>
        ) : null}
      </div>
      <p className="muted">{template.routines === 1 ? "Used by 1 routine." : `Used by ${template.routines} routines.`}</p>
      {canEdit ? (
        <>
          <section className="panel" aria-labelledby="edit-template">
            <h2 id="edit-template">Edit template</h2>
            <TemplateForm
              agents={agents}
              taskTypes={taskTypes}
              values={failed("edit")?.values ?? templateFormValues(template)}
              errors={failed("edit")?.errors ?? {}}
              formError={failed("edit")?.formError}
              intent="edit"
              submitLabel="Save template"
            />
          </section>
          <ConfirmAction
            label="Delete template…"
            warning="The template goes; tasks made from it stay. A template a routine uses cannot be deleted."
            confirmLabel="Delete template"
            intent="delete"
            error={failed("delete")?.formError}
          />
        </>
      ) : null}
    </main>
  );
}
