import { Form, useLocation } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { StopControls } from "#app/db/dispatch.server";
import { STOP_REASON_MAX } from "#app/domain/forms/stop-controls";
import { Icon } from "./icon";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";

// The stop controls' forms and the banner that says one is in effect
// (decision 035). Plain forms posting to /stop, which goes back to the page
// they were on: they work without JavaScript.

function useReturnTo(): string {
  const { pathname, search } = useLocation();
  return pathname + search;
}

/** Shown under the header on every page while the emergency stop holds. */
export function EmergencyBanner({ emergency, isAdmin }: { emergency: StopControls["emergency"]; isAdmin: boolean }) {
  if (!emergency) return null;
  return (
    <div className="stop-banner stop-emergency" role="status" data-testid="emergency-banner">
      <Icon name="alert" size={16} />
      <p>
        <strong>Emergency stop.</strong> No agent is dispatched. Set <Time value={emergency.at} />
        {emergency.by_name ? ` by ${emergency.by_name}` : ""}
        {emergency.reason ? `: “${emergency.reason}”` : "."}
      </p>
      {isAdmin ? <EmergencyStopForm on /> : <p className="muted">An admin resumes it.</p>}
    </div>
  );
}

/** Stop everything (admins): every run aborted, dispatch off. Or resume. */
export function EmergencyStopForm({ on }: { on: boolean }) {
  const returnTo = useReturnTo();
  return (
    <Form method="post" action="/stop" className={on ? "stop-form stop-inline" : "stop-form"}>
      <AuthenticityTokenInput />
      <input type="hidden" name="redirect_to" value={returnTo} />
      {on ? (
        <SubmitButton name="intent" value="emergency-resume" className="btn btn-small">
          Resume dispatch
        </SubmitButton>
      ) : (
        <>
          <label htmlFor="emergency-reason">Reason (shown to everyone while it holds)</label>
          <input id="emergency-reason" name="reason" maxLength={STOP_REASON_MAX} placeholder="Optional" />
          <SubmitButton name="intent" value="emergency-stop" className="btn btn-danger">
            Emergency stop: abort every run
          </SubmitButton>
        </>
      )}
    </Form>
  );
}

/** Pause or resume a workspace or an agent; pausing may also stop the runs going on now. */
export function PauseForm({ kind, id, pausedAt }: { kind: "workspace" | "agent"; id: string; pausedAt: string | null }) {
  const returnTo = useReturnTo();
  const field = kind === "workspace" ? "workspace_id" : "agent_id";
  return (
    <Form method="post" action="/stop" className="stop-form pause-form" aria-label={`${pausedAt ? "Resume" : "Pause"} this ${kind}`}>
      <AuthenticityTokenInput />
      <input type="hidden" name="redirect_to" value={returnTo} />
      <input type="hidden" name={field} value={id} />
      {pausedAt ? (
        <>
          <p>
            Paused <Time value={pausedAt} />: nothing is dispatched {kind === "workspace" ? "in this workspace" : "to this agent"}.
          </p>
          <SubmitButton name="intent" value={`resume-${kind}`} className="btn btn-small">
            {`Resume ${kind}`}
          </SubmitButton>
        </>
      ) : (
        <>
          <label className="choice">
            <input type="checkbox" name="abort" value="1" /> Also stop the runs going on now
          </label>
          <SubmitButton name="intent" value={`pause-${kind}`} className="btn btn-small">
            {`Pause ${kind}`}
          </SubmitButton>
        </>
      )}
    </Form>
  );
}

/** Under a workspace's head while it, or any of its agents, is paused. */
export function WorkspacePauseBanner({ controls, workspaceId, canEdit }: { controls: StopControls; workspaceId: string; canEdit: boolean }) {
  const agents = controls.paused_agents;
  if (!controls.workspace_paused_at && agents.length === 0) return null;
  return (
    <div className="stop-banner stop-paused" role="status" data-testid="pause-banner">
      <Icon name="alert" size={16} />
      {controls.workspace_paused_at ? (
        canEdit ? (
          <PauseForm kind="workspace" id={workspaceId} pausedAt={controls.workspace_paused_at} />
        ) : (
          <p>This workspace is paused: nothing in it is dispatched.</p>
        )
      ) : null}
      {agents.length > 0 ? <p>Paused agents: {agents.map((a) => a.name).join(", ")}.</p> : null}
    </div>
  );
}
