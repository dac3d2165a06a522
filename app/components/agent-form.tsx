import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { Agent } from "#app/db/agents.server";
import { AGENT_STATUSES } from "#app/domain/agent-status";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { Field, FormError, SelectField } from "./field";
import { SubmitButton } from "./submit-button";

export function AgentForm(props: {
  values: Partial<Agent> | Record<string, string>;
  errors: Record<string, string>;
  formError?: string;
  submitLabel: string;
  intent: string;
  /** The registered gateways; with none, every agent uses the default gateway and the field is not shown. */
  gateways?: Array<{ id: string; name: string }>;
}) {
  const { values, errors, formError, submitLabel, intent, gateways = [] } = props;
  const v = values as Record<string, string | null | undefined>; // both shapes hold these text fields
  return (
    <Form method="post" className="agent-form" noValidate>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value={intent} />
      <FormError message={formError} />
      <div className="form-row">
        <Field label="Name" name="name" error={errors.name} defaultValue={v.name} maxLength={COLUMN_LIMITS.agents.name} required />
        <Field label="Emoji" name="emoji" error={errors.emoji} defaultValue={v.emoji} placeholder="🤖" maxLength={COLUMN_LIMITS.agents.emoji} />
      </div>
      <Field label="Role" name="role" error={errors.role} defaultValue={v.role} maxLength={COLUMN_LIMITS.agents.role} placeholder="e.g. Researcher" />
      <div className="form-row">
        <Field label="Model" name="model" error={errors.model} defaultValue={v.model} maxLength={COLUMN_LIMITS.agents.model} placeholder="provider/model" />
        <Field
          label="OpenClaw agent id"
          name="openclaw_agent_id"
          error={errors.openclaw_agent_id}
          defaultValue={v.openclaw_agent_id}
          hint="The gateway agent that runs this agent's tasks, e.g. main."
        />
        <SelectField
          label="Status"
          name="status"
          defaultValue={v.status ?? "standby"}
          error={errors.status}
          options={AGENT_STATUSES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) }))}
        />
      </div>
      {gateways.length > 0 ? (
        <SelectField
          label="Gateway"
          name="gateway_id"
          defaultValue={v.gateway_id ?? ""}
          error={errors.gateway_id}
          options={[{ value: "", label: "Default gateway (OPENCLAW_GATEWAY_URL)" }, ...gateways.map((g) => ({ value: g.id, label: g.name }))]}
        />
      ) : null}
      <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}
