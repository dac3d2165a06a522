import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listHeartbeatRuns } from "#app/db/heartbeat.server";
import { AppError } from "#app/domain/errors";
import { FormError } from "#app/components/field";
import { runHeartbeat } from "#app/services/orchestration/heartbeat.server";
import { heartbeatDeps } from "#app/services/runtime.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time } from "#app/components/time";
import { getStopControls } from "#app/db/dispatch.server";
import { EmergencyStopForm } from "#app/components/stop-controls";
import { gatewayHealth, overallGatewayStatus } from "#app/services/agent-plane/gateway-registry.server";
import type { Route } from "./+types/heartbeat";
import { redirectWithToast } from "#app/services/http/toast.server";
import { SubmitButton } from "#app/components/submit-button";

export const meta: Route.MetaFunction = () => [{ title: "Heartbeat · Mission Control" }];

// Receipts of recent heartbeat runs. Viewing never runs one; the button does.
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const runs = await listHeartbeatRuns(db, 50);
  return {
    runs,
    canRun: user.role !== "viewer",
    isAdmin: user.role === "admin",
    emergency: (await getStopControls(db, null)).emergency,
    interval: rt.env.HEARTBEAT_INTERVAL_S,
    gateway: overallGatewayStatus(gatewayHealth(rt.gateways)),
    gateways: gatewayHealth(rt.gateways),
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { rt, log } = operator(context, request);
  await request.formData();
  try {
    const result = await runHeartbeat(heartbeatDeps(rt, log), "manual");
    if ("skipped" in result) throw new AppError("conflict", "A heartbeat run is already under way.");
    const moved = result.actions.length;
    return redirectWithToast("/heartbeat", {
      kind: "success",
      message: moved === 0 ? "Heartbeat ran: nothing to do." : `Heartbeat ran: ${moved} action${moved === 1 ? "" : "s"}.`,
    });
  } catch (error) {
    return actionFailure(error);
  }
}

export default function Heartbeat({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { runs, canRun, isAdmin, emergency, interval, gateway, gateways } = loaderData;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Heartbeat</h1>
        {canRun ? (
          <Form method="post">
            <AuthenticityTokenInput />
            <SubmitButton className="btn btn-primary" pendingLabel="Running…">
              Run now
            </SubmitButton>
          </Form>
        ) : null}
      </div>
      <FormError message={actionData?.formError} />
      <p className="muted">
        Cron calls <code>/api/heartbeat</code>; {interval > 0 ? `the in-process scheduler also runs every ${interval} s` : "no in-process scheduler"}. Gateway:{" "}
        {gateway}.{" "}
        {isAdmin ? (
          <Link to="/admin/gateways" data-testid="manage-gateways">
            Manage gateways
          </Link>
        ) : null}
      </p>
      {gateways.length > 0 ? (
        <ul className="gateway-health" aria-label="Gateways">
          {gateways.map((g) => (
            <li key={g.id} data-gateway={g.name}>
              <span className={`gw gw-${g.status}`}>{g.status}</span> <strong>{g.name}</strong>
              {g.default ? <span className="muted"> (default, from the environment)</span> : null} <code>{g.url}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {isAdmin && !emergency ? (
        <section className="panel stop-panel" aria-labelledby="emergency-h">
          <h2 id="emergency-h">Emergency stop</h2>
          <p className="muted">Aborts every agent run on the gateway and dispatches nothing, in every workspace, until an admin resumes.</p>
          <EmergencyStopForm on={false} />
        </section>
      ) : null}
      {runs.length === 0 ? <p className="empty">No runs yet.</p> : null}
      <ol className="runs">
        {runs.map((run) => (
          <li key={run.run_id} className="panel run">
            <p className="run-head">
              <Time value={run.started_at} absolute /> · {run.trigger} · {run.duration_ms} ms · {run.gateway_calls} gateway call
              {run.gateway_calls === 1 ? "" : "s"} · <span className="muted">{run.instance}</span>
            </p>
            {run.actions.length === 0 ? (
              <p className="muted">Idle: nothing to do.</p>
            ) : (
              <ul className="run-actions">
                {run.actions.map((a, i) => (
                  <li key={i} className={a.ok ? "ok" : "not-ok"}>
                    <strong>{a.action.replaceAll("_", " ")}</strong> {a.reason ? `(${a.reason.replaceAll("_", " ")})` : ""}{" "}
                    {a.task_title && a.workspace_slug ? (
                      <Link to={`/w/${a.workspace_slug}/tasks/${a.task_id}`}>{a.task_title}</Link>
                    ) : a.task_id ? (
                      <span className="muted">a deleted task</span>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </main>
  );
}
