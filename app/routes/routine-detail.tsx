import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { workspaceContext } from "#app/context.server";
import { deleteRoutine, getRoutine, listTaskTemplates, setRoutinePaused, updateRoutine } from "#app/db/routines.server";
import type { Database } from "#app/db/types";
import type { Workspace } from "#app/db/workspaces.server";
import { AppError } from "#app/domain/errors";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { routineSchema } from "#app/domain/forms/routines";
import { CATCH_UP_POLICY, UPCOMING_RUNS, nextOccurrences, nextRunAfter } from "#app/domain/routines";
import { STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";
import { formatDateTime, supportedTimeZones } from "#app/domain/time";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { FormError } from "#app/components/field";
import { RoutineForm } from "#app/components/routine-form";
import { SubmitButton } from "#app/components/submit-button";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import { pathId } from "#app/services/workspace.server";
import type { Route } from "./+types/routine-detail";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.routine.name ?? "Routine"} · Mission Control` }];

/** How many of the latest runs the page lists. */
const LAST_RUNS = 20;

/** The routine named in the path, if it belongs to this request's workspace. */
async function load(db: Database, workspace: Workspace, id: string | undefined) {
  const routine = found(await getRoutine(db, pathId(id, "Routine"), LAST_RUNS), "Routine");
  if (routine.workspace_id !== workspace.id) found(null, "Routine");
  return routine;
}

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const routine = await load(db, workspace, params.routineId);
  const templates = await listTaskTemplates(db, workspace.id);
  // The stored next run first, then the ones after it; a paused routine would start again after now.
  const from = routine.paused_at ? new Date() : new Date(new Date(routine.next_run_at).getTime() - 1);
  const upcoming = nextOccurrences(routine.schedule, routine.time_zone, from, UPCOMING_RUNS).map((d) => d.toISOString());
  return {
    workspace,
    routine,
    upcoming,
    templates: templates.map((t) => ({ id: t.id, name: t.name })),
    zones: supportedTimeZones(),
    canEdit: user.role !== "viewer",
  };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const routine = await load(db, workspace, params.routineId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const back = `/w/${workspace.slug}/routines/${routine.id}`;
  try {
    switch (intent) {
      case "edit": {
        const parsed = parseForm(form, routineSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
        // A new schedule starts from now: the next run is recomputed.
        const saved = await updateRoutine(db, routine.id, parsed.data, nextRunAfter(parsed.data.schedule, parsed.data.time_zone, new Date()), actor);
        log.info({ event: "routine.changed", routine_id: routine.id, next_run_at: saved.next_run_at }, "routine changed");
        return redirectWithToast(back, { kind: "success", message: `Routine ${quoted(saved.name)} saved.` });
      }
      case "pause":
      case "resume": {
        if ([...form.keys()].some((k) => k !== "csrf" && k !== "intent")) return invalidForm({ _form: "Unknown field." }, undefined, intent);
        const paused = intent === "pause";
        await setRoutinePaused(db, routine.id, paused, paused ? null : nextRunAfter(routine.schedule, routine.time_zone, new Date()), actor);
        log.info({ event: paused ? "routine.paused" : "routine.resumed", routine_id: routine.id }, paused ? "routine paused" : "routine resumed");
        return redirectWithToast(back, { kind: "success", message: `Routine ${quoted(routine.name)} ${paused ? "paused" : "resumed"}.` });
      }
      case "delete": {
        await deleteRoutine(db, routine.id, actor);
        log.info({ event: "routine.deleted", routine_id: routine.id }, "routine deleted");
        return redirectWithToast(`/w/${workspace.slug}/routines`, { kind: "success", message: `Routine ${quoted(routine.name)} deleted.` });
      }
      default:
        return invalidForm({ _form: "Unknown action." }, undefined, intent);
    }
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), intent);
    throw error;
  }
}

export default function RoutineDetail({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, routine, upcoming, templates, zones, canEdit } = loaderData;
  const base = `/w/${workspace.slug}`;
  const failed = (intent: string) => (actionData?.intent === intent ? actionData : undefined);
  const paused = routine.paused_at !== null;
  const pauseIntent = paused ? "resume" : "pause";
  return (
    <main id="main" className="page page-narrow">
      <p className="crumbs">
        <Link to={`${base}/routines`}>← Routines</Link>
      </p>
      <div className="page-head">
        <h1>{routine.name}</h1>
        <span className={paused ? "chip" : "chip status-done"} data-testid="routine-state">
          {paused ? "Paused" : "Active"}
        </span>
      </div>
      <p>
        Creates a task from the template {routine.template ? <Link to={`${base}/templates/${routine.template.id}`}>{routine.template.name}</Link> : null} on the
        schedule <code>{routine.schedule}</code>.
      </p>
      {canEdit ? (
        <Form method="post">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value={pauseIntent} />
          <FormError message={failed(pauseIntent)?.formError} />
          <SubmitButton className="btn" pendingLabel={paused ? "Resuming…" : "Pausing…"}>
            {paused ? "Resume routine" : "Pause routine"}
          </SubmitButton>
        </Form>
      ) : null}

      <section className="panel" aria-labelledby="next-runs">
        <h2 id="next-runs">{paused ? "Next runs once resumed" : "Next runs"}</h2>
        <p className="muted" data-testid="runs-zone">{`Times in ${routine.time_zone}, the routine's time zone.`}</p>
        <ol data-testid="next-runs">
          {upcoming.map((at) => (
            <li key={at}>
              <time dateTime={at}>{formatDateTime(at, routine.time_zone)}</time>
            </li>
          ))}
        </ol>
        <p className="muted">{CATCH_UP_POLICY}</p>
      </section>

      <section className="panel" aria-labelledby="last-runs">
        <h2 id="last-runs">Last runs</h2>
        {routine.runs.length === 0 ? (
          <p className="empty">No runs yet.</p>
        ) : (
          <table className="table stack" data-testid="last-runs">
            <thead>
              <tr>
                <th scope="col">Run ({routine.time_zone})</th>
                <th scope="col">Outcome</th>
                <th scope="col">Task</th>
              </tr>
            </thead>
            <tbody>
              {routine.runs.map((run) => (
                <tr key={run.occurrence_at}>
                  <td data-label={`Run (${routine.time_zone})`}>
                    <time dateTime={run.occurrence_at}>{formatDateTime(run.occurrence_at, routine.time_zone)}</time>
                  </td>
                  <td data-label="Outcome">
                    {run.outcome === "skipped"
                      ? "Skipped (missed)"
                      : run.skipped_before > 0
                        ? `Created; ${run.skipped_before} missed ${run.skipped_before === 1 ? "run" : "runs"} before it skipped`
                        : "Created"}
                  </td>
                  <td data-label="Task">
                    {run.task ? (
                      <>
                        <Link to={`${base}/tasks/${run.task.id}`}>{run.task.title}</Link>{" "}
                        <span className="muted">{STATUS_LABELS[run.task.status as TaskStatus] ?? run.task.status}</span>
                      </>
                    ) : run.outcome === "created" ? (
                      <span className="muted">Deleted</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {canEdit ? (
        <>
          <section className="panel" aria-labelledby="edit-routine">
            <h2 id="edit-routine">Edit routine</h2>
            <RoutineForm
              templates={templates}
              zones={zones}
              values={
                failed("edit")?.values ?? { name: routine.name, template_id: routine.template_id, schedule: routine.schedule, time_zone: routine.time_zone }
              }
              errors={failed("edit")?.errors ?? {}}
              formError={failed("edit")?.formError}
              intent="edit"
              submitLabel="Save routine"
            />
          </section>
          <ConfirmAction
            label="Delete routine…"
            warning="The routine and its run history go; the tasks it created stay."
            confirmLabel="Delete routine"
            intent="delete"
            error={failed("delete")?.formError}
          />
        </>
      ) : null}
    </main>
  );
}
