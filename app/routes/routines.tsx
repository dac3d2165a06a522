import { Link } from "react-router";
import { workspaceContext } from "#app/context.server";
import { createRoutine, listRoutines, listTaskTemplates } from "#app/db/routines.server";
import { AppError } from "#app/domain/errors";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { routineSchema } from "#app/domain/forms/routines";
import { CATCH_UP_POLICY, nextRunAfter } from "#app/domain/routines";
import { formatDateTime, supportedTimeZones, zoneOr } from "#app/domain/time";
import { quoted } from "#app/domain/toast";
import { RoutineForm } from "#app/components/routine-form";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Route } from "./+types/routines";

export const meta: Route.MetaFunction = () => [{ title: "Routines · Mission Control" }];

// The workspace's routines (decision 046): each creates a task from its
// template at every occurrence of a cron schedule in its time zone.
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const [routines, templates] = await Promise.all([listRoutines(db, workspace.id), listTaskTemplates(db, workspace.id)]);
  return {
    workspace,
    routines,
    templates: templates.map((t) => ({ id: t.id, name: t.name })),
    zones: supportedTimeZones(),
    defaultZone: zoneOr(user.time_zone),
    canEdit: user.role !== "viewer",
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  if (form.get("intent") !== "create") return invalidForm({ _form: "Unknown action." }, undefined, "create");
  const parsed = parseForm(form, routineSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "create");
  try {
    const next = nextRunAfter(parsed.data.schedule, parsed.data.time_zone, new Date());
    const routine = await createRoutine(db, workspace.id, parsed.data, next, actor);
    log.info({ event: "routine.created", routine_id: routine.id, next_run_at: routine.next_run_at }, "routine created");
    return redirectWithToast(`/w/${workspace.slug}/routines/${routine.id}`, { kind: "success", message: `Routine ${quoted(routine.name)} created.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), "create");
    throw error;
  }
}

export default function Routines({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, routines, templates, zones, defaultZone, canEdit } = loaderData;
  const base = `/w/${workspace.slug}`;
  return (
    <main id="main" className="page">
      <p className="muted">
        A routine creates a task from a <Link to={`${base}/templates`}>template</Link> at every run of its schedule. {CATCH_UP_POLICY}
      </p>
      {routines.length === 0 ? (
        <p className="empty">No routines yet.</p>
      ) : (
        <table className="table stack" data-testid="routines">
          <thead>
            <tr>
              <th scope="col">Routine</th>
              <th scope="col">Schedule</th>
              <th scope="col">Template</th>
              <th scope="col">Next run (routine's time zone)</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {routines.map((r) => (
              <tr key={r.id} data-routine-id={r.id}>
                <td data-label="Routine">
                  <Link to={`${base}/routines/${r.id}`}>{r.name}</Link>
                </td>
                <td data-label="Schedule">
                  <code>{r.schedule}</code> <span className="muted">{r.time_zone}</span>
                </td>
                <td data-label="Template">{r.template?.name ?? ""}</td>
                <td data-label="Next run (routine's time zone)">{r.paused_at ? "—" : formatDateTime(r.next_run_at, r.time_zone)}</td>
                <td data-label="State">{r.paused_at ? "Paused" : "Active"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit ? (
        <section className="panel" aria-labelledby="new-routine">
          <h2 id="new-routine">New routine</h2>
          {templates.length === 0 ? (
            <p className="muted">
              A routine needs a template: <Link to={`${base}/templates`}>create one first</Link>.
            </p>
          ) : (
            <RoutineForm
              templates={templates}
              zones={zones}
              values={actionData?.values ?? { time_zone: defaultZone }}
              errors={actionData?.errors ?? {}}
              formError={actionData?.formError}
              intent="create"
              submitLabel="Create routine"
            />
          )}
        </section>
      ) : null}
    </main>
  );
}
