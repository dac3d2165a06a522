import { Form, Link, useNavigation } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { FirstRunStep } from "#app/domain/first-run";
import { Icon } from "./icon";

/**
 * The first-run checklist: each step ticks from real state; the gateway
 * step has a connection test (a plain POST, answered in words).
 */
export function FirstRun({
  steps,
  gatewayTest,
  firstWorkspace,
}: {
  steps: FirstRunStep[];
  gatewayTest: { ok: boolean; message: string } | undefined;
  firstWorkspace: string | null;
}) {
  const navigation = useNavigation();
  const testing = navigation.state === "submitting" && navigation.formData?.get("intent") === "test-gateway";
  const done = steps.filter((s) => s.done).length;
  return (
    <section className="panel first-run" aria-labelledby="first-run-h" data-testid="first-run">
      <div className="first-run-head">
        <h2 id="first-run-h">Get started</h2>
        <span className="muted">
          {done} of {steps.length} done
        </span>
      </div>
      <ol className="first-run-steps">
        {steps.map((step) => (
          <li key={step.id} className={step.done ? "step-done" : "step-todo"} data-step={step.id} data-done={step.done}>
            <Icon name={step.done ? "done" : "todo"} size={18} className="step-mark" />
            <div className="step-body">
              <span className="step-label">
                {step.label}
                <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
              </span>
              {step.id === "workspace" && !step.done ? <span className="muted">Use the form below.</span> : null}
              {step.id === "gateway" ? (
                <>
                  <span className="muted">
                    Set <code>OPENCLAW_GATEWAY_URL</code> and <code>OPENCLAW_GATEWAY_TOKEN</code> in the settings file and restart: see “Settings” in{" "}
                    <code>docs/PRODUCTION_SETUP.md</code> and the gateway section of the README.
                  </span>
                  <Form method="post" className="step-action">
                    <AuthenticityTokenInput />
                    <button type="submit" name="intent" value="test-gateway" className="btn btn-small" disabled={testing}>
                      <Icon name="gateway" size={14} />
                      {testing ? "Testing…" : "Test connection"}
                    </button>
                  </Form>
                  {gatewayTest ? (
                    <p className={gatewayTest.ok ? "notice" : "alert-text"} role="status" data-testid="gateway-test">
                      {gatewayTest.message}
                    </p>
                  ) : null}
                </>
              ) : null}
              {step.id === "agent" && !step.done && firstWorkspace ? <Link to={`/w/${firstWorkspace}/agents`}>Add an agent</Link> : null}
              {step.id === "task" && !step.done && firstWorkspace ? <Link to={`/w/${firstWorkspace}/tasks/new`}>New task</Link> : null}
            </div>
          </li>
        ))}
      </ol>
      <Form method="post" className="first-run-dismiss">
        <AuthenticityTokenInput />
        <button type="submit" name="intent" value="dismiss-first-run" className="btn btn-ghost btn-small">
          Hide this checklist
        </button>
      </Form>
    </section>
  );
}
