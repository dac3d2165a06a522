import { Form, Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { createPipeline, listPipelines } from "#app/db/pipelines.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { parseForm } from "#app/domain/forms/parse";
import { pipelineSchema } from "#app/domain/forms/pipeline";
import { STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";
import { Field, FormError } from "#app/components/field";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time } from "#app/components/time";
import type { Route } from "./+types/pipelines";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { SubmitButton } from "#app/components/submit-button";

export const meta: Route.MetaFunction = () => [{ title: "Pipelines · Mission Control" }];

// Every pipeline of the workspace with where its work piles up: open tasks
// per stage by status and the oldest one waiting (not being worked on).
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  return { workspace, pipelines: await listPipelines(db, workspace.id), canEdit: user.role !== "viewer", now: new Date().toISOString() };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  if (form.get("intent") !== "create") return invalidForm({}, undefined, "create");
  const parsed = parseForm(form, pipelineSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "create");
  try {
    const pipeline = await createPipeline(db, workspace.id, parsed.data, actor);
    log.info({ event: "pipeline.created", pipeline_id: pipeline.id }, "pipeline created");
    return redirectWithToast(`/w/${workspace.slug}/pipelines/${pipeline.id}`, { kind: "success", message: `Pipeline ${quoted(parsed.data.name)} created.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, { name: parsed.data.name, description: parsed.data.description }, "create");
    throw error;
  }
}

const ORDER: TaskStatus[] = ["planning", "inbox", "assigned", "in_progress", "testing", "review"];

export default function Pipelines({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, pipelines, canEdit } = loaderData;
  const now = new Date(loaderData.now);
  const base = `/w/${workspace.slug}/pipelines`;
  // The stage where the oldest task waits is where work piles up.
  return (
    <main id="main" className="page">
      {pipelines.length === 0 ? <p className="empty">No pipelines yet.</p> : null}
      {pipelines.map((p) => {
        const oldest = p.load.reduce<string | null>((min, l) => (l.oldest_waiting_at && (!min || l.oldest_waiting_at < min) ? l.oldest_waiting_at : min), null);
        return (
          <section key={p.id} className="panel pipeline" aria-labelledby={`p-${p.id}`}>
            <div className="page-head">
              <h2 id={`p-${p.id}`}>
                <Link to={`${base}/${p.id}`}>{p.name}</Link>
              </h2>
              <span className="muted">
                {p.open} open · {p.done} done
              </span>
            </div>
            {p.stages.length === 0 ? <p className="muted">No stages yet.</p> : null}
            <ol className="stage-load">
              {p.stages.map((s) => {
                const load = p.load.find((l) => l.stage_id === s.id);
                const piled = Boolean(oldest && load?.oldest_waiting_at === oldest);
                return (
                  <li key={s.id} className={piled ? "stage-cell piled" : "stage-cell"}>
                    <div className="stage-name">
                      <span className="stage-pos">{s.position}</span> {s.name}
                    </div>
                    <div className="muted">
                      {s.agent ? `${s.agent.emoji} ${s.agent.name}` : "no agent"} · {s.autonomy_level}
                      {s.gate_advance ? " · gated" : ""}
                    </div>
                    <div className="stage-counts">
                      <strong>{load?.open ?? 0}</strong> open
                      {ORDER.filter((st) => load?.by_status[st]).map((st) => (
                        <span key={st} className={`chip status-${st.split("_")[0]}`}>
                          {STATUS_LABELS[st]} {load!.by_status[st]}
                        </span>
                      ))}
                    </div>
                    {load?.oldest_waiting_at ? (
                      <div className={piled ? "alert-text" : "muted"}>
                        oldest arrived <Time value={load.oldest_waiting_at} now={now} />
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ol>
          </section>
        );
      })}
      {canEdit ? (
        <section className="panel" aria-labelledby="new-pipeline">
          <h2 id="new-pipeline">New pipeline</h2>
          <Form method="post" className="task-form" noValidate>
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="create" />
            <FormError message={actionData?.formError} />
            <Field
              label="Name"
              name="name"
              error={actionData?.errors.name}
              defaultValue={actionData?.values?.name}
              maxLength={COLUMN_LIMITS.pipelines.name}
              required
            />
            <Field
              label="Description"
              name="description"
              error={actionData?.errors.description}
              defaultValue={actionData?.values?.description}
              multiline
              rows={2}
              maxLength={COLUMN_LIMITS.pipelines.description}
            />
            <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
              Create pipeline
            </SubmitButton>
          </Form>
        </section>
      ) : null}
    </main>
  );
}
