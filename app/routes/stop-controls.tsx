import { data, redirect } from "react-router";
import { type StopChange, setAgentPaused, setEmergencyStop, setWorkspacePaused } from "#app/db/dispatch.server";
import { parseForm } from "#app/domain/forms/parse";
import { type StopIntent, stopControlSchema, stopIntentSchema, stopSubjectError } from "#app/domain/forms/stop-controls";
import { safeRedirect } from "#app/domain/safe-redirect";
import { operator } from "#app/services/auth/operator.server";
import { orHttpError } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import { abortRuns } from "#app/services/orchestration/run-aborts.server";
import type { Route } from "./+types/stop-controls";

// The stop controls post here (decision 035): the emergency stop (admins),
// a workspace's or an agent's pause (operators and up). The SQL checks the
// role, writes the stop and the audit row in one transaction, and names the
// runs to abort; this route stops them on the gateway, then goes back to the
// page the form was on.

export async function loader() {
  return redirect("/heartbeat");
}

const DONE: Record<StopIntent, string> = {
  "emergency-stop": "Emergency stop: nothing is dispatched until an admin resumes.",
  "emergency-resume": "Resumed: dispatch is on again.",
  "pause-workspace": "Paused the workspace: nothing in it is dispatched until it is resumed.",
  "resume-workspace": "Resumed the workspace.",
  "pause-agent": "Paused the agent: it is dispatched nothing until it is resumed.",
  "resume-agent": "Resumed the agent.",
};

export async function action({ request, context }: Route.ActionArgs) {
  const { db, rt, log, user, actor } = operator(context, request, "operator");
  const form = await request.formData();
  const intent = stopIntentSchema.safeParse(form.get("intent"));
  if (!intent.success) throw data({ message: "This form asked for a stop control that does not exist." }, { status: 400 });
  const parsed = parseForm(form, stopControlSchema);
  if (!parsed.ok) throw data({ message: Object.values(parsed.errors)[0] ?? "This form is malformed." }, { status: 400 });
  const input = parsed.data;
  const subjectError = stopSubjectError(intent.data, input);
  if (subjectError) throw data({ message: subjectError }, { status: 400 });
  const back = safeRedirect(input.redirect_to, "/heartbeat");
  const abort = input.abort === "1";
  const change: StopChange = await orHttpError(
    (() => {
      switch (intent.data) {
        case "emergency-stop":
        case "emergency-resume":
          return setEmergencyStop(db, intent.data === "emergency-stop", input.reason ?? null, user.id);
        case "pause-workspace":
        case "resume-workspace":
          return setWorkspacePaused(db, input.workspace_id!, intent.data === "pause-workspace", abort, user.id);
        case "pause-agent":
        case "resume-agent":
          return setAgentPaused(db, input.agent_id!, intent.data === "pause-agent", abort, user.id);
      }
    })(),
  );
  log.info({ event: "stop_control.changed", intent: intent.data, changed: change.changed, runs: change.runs.length }, "stop control");
  const stopped = await abortRuns({ db, log, gateways: rt.gateways }, change.runs, actor, intent.data);
  const runs =
    change.runs.length === 0
      ? ""
      : stopped.failed === 0
        ? ` Stopped ${stopped.aborted} run${stopped.aborted === 1 ? "" : "s"}.`
        : ` Stopped ${stopped.aborted} of ${change.runs.length} runs; each task says why the others did not stop.`;
  return redirectWithToast(back, {
    kind: stopped.failed > 0 ? "error" : "success",
    message: change.changed ? DONE[intent.data] + runs : "Nothing to change: it already was so.",
  });
}
