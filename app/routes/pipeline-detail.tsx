import { Form, Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listAgents } from "#app/db/agents.server";
import type { Workspace } from "#app/db/workspaces.server";
import { addStage, deletePipeline, deleteStage, getPipeline, moveStage, updatePipeline, updateStage } from "#app/db/pipelines.server";
import { AUTONOMY_LABELS, AUTONOMY_LEVELS, type Supervision, canChangeSupervision } from "#app/domain/autonomy";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { pipelineSchema, stageRefSchema, stageSchema } from "#app/domain/forms/pipeline";
import { Field, FormError, SelectField } from "#app/components/field";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { pathId } from "#app/services/workspace.server";
import type { Role } from "#app/domain/roles";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/pipeline-detail";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.pipeline.name ?? "Pipeline"} · Mission Control` }];

/** The pipeline named in the path, if it belongs to this request's workspace. */
async function load(db: Parameters<typeof getPipeline>[0], workspace: Workspace, id: string | undefined) {
  const pipeline = found(await getPipeline(db, pathId(id, "Pipeline")), "Pipeline");
  if (pipeline.workspace_id !== workspace.id) found(null, "Pipeline");
  return { workspace, pipeline };
}

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const { workspace, pipeline } = await load(db, context.get(workspaceContext), params.pipelineId);
  return { workspace, pipeline, agents: await listAgents(db, workspace.id), role: user.role, canEdit: user.role !== "viewer" };
}

// One form per intent; each answers with its own errors (intent names the form).
export async function action({ request, context, params }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const { workspace, pipeline } = await load(db, context.get(workspaceContext), params.pipelineId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  let message = "Pipeline saved.";
  const stageName = (id: string | undefined) => quoted(pipeline.stages.find((s) => s.id === id)?.name ?? "stage");
  const own = (stageId: string) => {
    if (!pipeline.stages.some((s) => s.id === stageId)) throw new AppError("not_found", "Stage not found.");
  };
  try {
    switch (intent) {
      case "rename": {
        const parsed = parseForm(form, pipelineSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        await updatePipeline(db, pipeline.id, parsed.data, actor);
        message = `Pipeline ${quoted(parsed.data.name)} saved.`;
        break;
      }
      case "add-stage":
      case "edit-stage": {
        const parsed = parseForm(form, stageSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, `${intent}${form.get("stage_id") ?? ""}`);
        const { stage_id, ...fields } = parsed.data;
        if (intent === "add-stage") await addStage(db, pipeline.id, fields, actor);
        else {
          own(stage_id ?? "");
          await updateStage(db, stage_id!, fields, actor);
        }
        message = `Stage ${quoted(fields.name)} ${intent === "add-stage" ? "added" : "saved"}.`;
        break;
      }
      case "move-stage":
      case "delete-stage": {
        const parsed = parseForm(form, stageRefSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        own(parsed.data.stage_id);
        if (intent === "delete-stage") await deleteStage(db, parsed.data.stage_id, actor);
        else await moveStage(db, parsed.data.stage_id, parsed.data.direction === "up" ? -1 : 1, actor);
        message =
          intent === "delete-stage"
            ? `Stage ${stageName(parsed.data.stage_id)} deleted.`
            : `Stage ${stageName(parsed.data.stage_id)} moved ${parsed.data.direction === "up" ? "up" : "down"}.`;
        break;
      }
      case "delete": {
        await deletePipeline(db, pipeline.id, actor);
        log.info({ event: "pipeline.deleted", pipeline_id: pipeline.id }, "pipeline deleted");
        return redirectWithToast(`/w/${workspace.slug}/pipelines`, { kind: "success", message: `Pipeline ${quoted(pipeline.name)} deleted.` });
      }
      default:
        return invalidForm({ _form: "Unknown action." }, undefined, intent);
    }
  } catch (error) {
    // A refused stage edit (e.g. a lowering this role may not make) keeps what was typed.
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), `${intent}${form.get("stage_id") ?? ""}`);
    throw error;
  }
  log.info({ event: "pipeline.changed", pipeline_id: pipeline.id, intent }, "pipeline changed");
  return redirectWithToast(`/w/${workspace.slug}/pipelines/${pipeline.id}`, { kind: "success", message });
}

interface StageValues {
  name?: string;
  agent_id?: string;
  autonomy_level?: string;
  gate_advance?: boolean;
}

interface StageFieldsProps {
  values: StageValues;
  errors: Record<string, string>;
  agents: ReadonlyArray<{ id: string; name: string; emoji: string }>;
  /** The stage as stored, when editing one: choices that lower it are marked for roles that may not make them. */
  current?: Supervision;
  role: Role;
}

function StageFields({ values, errors, agents, current, role }: StageFieldsProps) {
  const approverOnly = (after: Supervision) => (current && !canChangeSupervision(role, current, after) ? " (approver or admin)" : "");
  const ungateNote = current?.gate_advance && approverOnly({ ...current, gate_advance: false }) ? " (unticking it: approver or admin)" : "";
  return (
    <div className="form-row stage-form">
      <Field label="Stage name" name="name" error={errors.name} defaultValue={values.name} maxLength={COLUMN_LIMITS.pipeline_stages.name} required />
      <SelectField
        label="Agent"
        name="agent_id"
        defaultValue={values.agent_id ?? ""}
        error={errors.agent_id}
        options={[{ value: "", label: "Choose…" }, ...agents.map((a) => ({ value: a.id, label: `${a.emoji} ${a.name}` }))]}
      />
      <SelectField
        label="Autonomy"
        name="autonomy_level"
        defaultValue={values.autonomy_level ?? "hitl"}
        error={errors.autonomy_level}
        options={AUTONOMY_LEVELS.map((l) => ({
          value: l,
          label: AUTONOMY_LABELS[l] + approverOnly({ autonomy_level: l, gate_advance: current?.gate_advance }),
        }))}
      />
      <label className="choice">
        <input type="checkbox" name="gate_advance" defaultChecked={values.gate_advance ?? true} aria-invalid={errors.gate_advance ? true : undefined} />
        {` Gate the advance to the next stage${ungateNote}`}
      </label>
      {errors.gate_advance ? <p className="field-error">{errors.gate_advance}</p> : null}
    </div>
  );
}

export default function PipelineDetail({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, pipeline, agents, canEdit, role } = loaderData;
  const failed = actionData && "intent" in actionData ? actionData : null;
  const errorsFor = (intent: string) => (failed?.intent === intent ? failed.errors : {});
  const formErrorFor = (intent: string) => (failed?.intent === intent ? failed.formError : undefined);
  const hidden = (intent: string, stageId?: string) => (
    <>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value={intent} />
      {stageId ? <input type="hidden" name="stage_id" value={stageId} /> : null}
    </>
  );
  return (
    <main id="main" className="page page-narrow">
      <p className="crumbs">
        <Link to={`/w/${workspace.slug}/pipelines`}>← Pipelines</Link>
      </p>
      <h1>{pipeline.name}</h1>
      {pipeline.description ? <p className="muted">{pipeline.description}</p> : null}
      <p className="muted">
        Each stage is its own dispatch to its agent. A task that reaches review moves on to the next stage; a gated advance follows the strictest autonomy of
        agent, task type and stage (human in the loop waits for an approver, human on the loop for the veto window).
      </p>
      <ol className="stage-list">
        {pipeline.stages.map((s, i) => {
          const key = `edit-stage${s.id}`;
          return (
            <li key={s.id} className="panel" id={`stage-${s.id}`}>
              <h2>
                <span className="stage-pos">{s.position}</span> {s.name}
              </h2>
              <p className="muted">
                {s.agent ? `${s.agent.emoji} ${s.agent.name}` : "No agent: choose one"} · {AUTONOMY_LABELS[s.autonomy_level]}
                {i < pipeline.stages.length - 1 ? (s.gate_advance ? " · advance gated" : " · advances freely") : " · last stage"}
              </p>
              {canEdit ? (
                <>
                  <Form method="post" noValidate>
                    {hidden("edit-stage", s.id)}
                    <FormError message={formErrorFor(key)} />
                    <StageFields
                      values={
                        failed?.intent === key && failed.values
                          ? stageValues(failed.values)
                          : { name: s.name, agent_id: s.agent?.id, autonomy_level: s.autonomy_level, gate_advance: s.gate_advance }
                      }
                      errors={errorsFor(key)}
                      agents={agents}
                      current={{ autonomy_level: s.autonomy_level, gate_advance: s.gate_advance }}
                      role={role}
                    />
                    <div className="button-row">
                      <SubmitButton className="btn btn-small" pendingLabel="Saving…">
                        Save stage
                      </SubmitButton>
                    </div>
                  </Form>
                  <div className="button-row">
                    {i > 0 ? (
                      <Form method="post" className="inline-form">
                        {hidden("move-stage", s.id)}
                        <input type="hidden" name="direction" value="up" />
                        <SubmitButton className="btn btn-small btn-ghost">Move up</SubmitButton>
                      </Form>
                    ) : null}
                    {i < pipeline.stages.length - 1 ? (
                      <Form method="post" className="inline-form">
                        {hidden("move-stage", s.id)}
                        <input type="hidden" name="direction" value="down" />
                        <SubmitButton className="btn btn-small btn-ghost">Move down</SubmitButton>
                      </Form>
                    ) : null}
                  </div>
                  <FormError message={formErrorFor(`move-stage${s.id}`)} />
                  <ConfirmAction
                    small
                    label="Delete stage…"
                    warning={`The stage “${s.name}” leaves this pipeline; tasks at it must move on first.`}
                    confirmLabel="Delete stage"
                    intent="delete-stage"
                    fields={{ stage_id: s.id }}
                    error={formErrorFor(`delete-stage${s.id}`)}
                  />
                </>
              ) : null}
            </li>
          );
        })}
      </ol>
      {pipeline.stages.length === 0 ? <p className="empty">No stages yet.</p> : null}
      {canEdit ? (
        <>
          <section className="panel" aria-labelledby="add-stage">
            <h2 id="add-stage">Add a stage</h2>
            <Form method="post" noValidate>
              {hidden("add-stage")}
              <FormError message={formErrorFor("add-stage")} />
              <StageFields
                values={failed?.intent === "add-stage" ? stageValues(failed.values) : {}}
                errors={errorsFor("add-stage")}
                agents={agents}
                role={role}
              />
              <SubmitButton className="btn btn-primary" pendingLabel="Adding…">
                Add stage
              </SubmitButton>
            </Form>
          </section>
          <section className="panel" aria-labelledby="rename">
            <h2 id="rename">Name and description</h2>
            <Form method="post" noValidate>
              {hidden("rename")}
              <FormError message={formErrorFor("rename")} />
              <Field label="Name" name="name" error={errorsFor("rename").name} defaultValue={pipeline.name} maxLength={COLUMN_LIMITS.pipelines.name} required />
              <Field
                label="Description"
                name="description"
                error={errorsFor("rename").description}
                defaultValue={pipeline.description}
                multiline
                rows={2}
                maxLength={COLUMN_LIMITS.pipelines.description}
              />
              <SubmitButton className="btn" pendingLabel="Saving…">
                Save
              </SubmitButton>
            </Form>
          </section>
          <ConfirmAction
            className="danger-zone"
            label="Delete this pipeline…"
            warning="The pipeline and its stages go for good. Only a pipeline no task uses can be deleted."
            confirmLabel="Delete pipeline"
            intent="delete"
            error={formErrorFor("delete")}
          />
        </>
      ) : null}
    </main>
  );
}

function stageValues(values: Record<string, string> | undefined): StageValues {
  return { name: values?.name, agent_id: values?.agent_id, autonomy_level: values?.autonomy_level, gate_advance: values?.gate_advance === "on" };
}
