import { Form, Link, data, redirect, useNavigation } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { createWorkspace, listWorkspaces } from "#app/db/workspaces.server";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { workspaceCreateSchema } from "#app/domain/forms/workspace";
import { parseForm } from "#app/domain/forms/parse";
import { slugify } from "#app/domain/slug";
import { BOARD_COLUMNS, STATUS_LABELS } from "#app/domain/task-status";
import { Field, FormError } from "#app/components/field";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { AppError } from "#app/domain/errors";
import { useActionResult } from "#app/components/use-action-result";
import { FirstRun } from "#app/components/first-run";
import { firstRunSteps, showFirstRun } from "#app/domain/first-run";
import { dismissFirstRun, firstRunDismissed, testGateway } from "#app/services/look/first-run.server";
import { gatewayHealth, overallGatewayStatus } from "#app/services/agent-plane/gateway-registry.server";
import type { Route } from "./+types/workspaces";
import { redirectDocumentWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { formatSpend } from "#app/domain/costs";

export const meta: Route.MetaFunction = () => [{ title: "Workspaces · Mission Control" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user, rt } = operator(context, request, "viewer");
  const workspaces = await listWorkspaces(db);
  const steps = firstRunSteps({
    workspaces: workspaces.length,
    gateway: overallGatewayStatus(gatewayHealth(rt.gateways)),
    agents: workspaces.reduce((n, w) => n + w.agent_count, 0),
    tasks: workspaces.reduce((n, w) => n + w.task_total, 0),
  });
  const firstRun = user.role !== "viewer" && showFirstRun(steps, await firstRunDismissed(request, user.id)) ? steps : null;
  return { workspaces, canEdit: user.role !== "viewer", firstRun };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log, rt, user } = operator(context, request);
  const form = await request.formData();
  const intent = form.get("intent");
  // The first-run checklist's two buttons.
  if (intent === "test-gateway") return { gatewayTest: await testGateway(rt.gateways.get(null) ?? rt.gateways.list()[0]?.gateway ?? null) };
  if (intent === "dismiss-first-run") return redirect("/", { headers: { "Set-Cookie": await dismissFirstRun(request, user.id, rt.env.cookieSecure) } });
  if (intent !== null) throw data({ message: "Unknown action." }, { status: 400 });
  const parsed = parseForm(form, workspaceCreateSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values);
  const { name, icon, slug } = parsed.data;
  try {
    const ws = await createWorkspace(db, { name, icon, slug: slug || slugify(name) }, actor);
    log.info({ event: "workspace.created", workspace_id: ws.id }, "workspace created");
    return redirectDocumentWithToast(`/w/${ws.slug}`, { kind: "success", message: `Workspace ${quoted(name)} created.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, parsed.data);
    throw error;
  }
}

export default function Workspaces({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const result = useActionResult(submitted);
  const actionData = result && "errors" in result ? result : undefined;
  const { workspaces, canEdit, firstRun } = loaderData;
  const errors = actionData?.errors ?? {};
  const gatewayTest = submitted && "gatewayTest" in submitted ? submitted.gatewayTest : undefined;
  const busy = useNavigation().state === "submitting";
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Workspaces</h1>
      </div>
      {firstRun ? <FirstRun steps={firstRun} gatewayTest={gatewayTest} firstWorkspace={workspaces[0]?.slug ?? null} /> : null}
      {workspaces.length === 0 ? <p className="empty">No workspaces yet. Create the first one below.</p> : null}
      <ul className="ws-grid">
        {workspaces.map((w) => (
          <li key={w.id} className="ws-card">
            <Link to={`/w/${w.slug}`} className="ws-card-link" reloadDocument>
              <span className="ws-icon" aria-hidden="true">
                {w.icon}
              </span>
              <span className="ws-title">{w.name}</span>
            </Link>
            <p className="ws-meta">
              {w.task_total} task{w.task_total === 1 ? "" : "s"} · {w.agent_count} agent{w.agent_count === 1 ? "" : "s"}
            </p>
            <dl className="ws-counts">
              {BOARD_COLUMNS.map((s) => (
                <div key={s} className={`count count-${s}`}>
                  <dt>{STATUS_LABELS[s]}</dt>
                  <dd>{w.task_counts[s] ?? 0}</dd>
                </div>
              ))}
            </dl>
            <div className="ws-spend">
              <dl aria-label="Spend">
                <div>
                  <dt>Spent, 30 days</dt>
                  <dd data-testid="ws-spend-30">{formatSpend(w.spend.d30)}</dd>
                </div>
                <div>
                  <dt>All time</dt>
                  <dd data-testid="ws-spend-total">{formatSpend(w.spend.total)}</dd>
                </div>
              </dl>
              <Link to={`/w/${w.slug}/costs`} className="ws-spend-link">
                Costs
              </Link>
            </div>
          </li>
        ))}
      </ul>
      {canEdit ? (
        <section className="panel" aria-labelledby="new-ws">
          <h2 id="new-ws">New workspace</h2>
          <Form method="post" className="form-inline" noValidate>
            <AuthenticityTokenInput />
            <FormError message={actionData?.formError} />
            <Field label="Name" name="name" error={errors.name} defaultValue={actionData?.values?.name} maxLength={COLUMN_LIMITS.workspaces.name} required />
            <Field
              label="Icon"
              name="icon"
              error={errors.icon}
              defaultValue={actionData?.values?.icon}
              placeholder="🛰️"
              maxLength={COLUMN_LIMITS.workspaces.icon}
            />
            <Field label="Address (optional)" name="slug" error={errors.slug} defaultValue={actionData?.values?.slug} hint="Lowercase, e.g. ops-team" />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Create workspace
            </button>
          </Form>
        </section>
      ) : null}
    </main>
  );
}
