import { AssigneeField, LabelsField, PriorityField, StartInField, TaskTypeField } from "./task-fields";
import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import type { TemplateFormValues } from "#app/domain/forms/routines";
import { Field, FormError } from "./field";
import { SubmitButton } from "./submit-button";

/** A task template's form (decision 046): its name, then the fields a task made from it starts with. */
export function TemplateForm(props: {
  agents: ReadonlyArray<{ id: string; name: string; emoji: string }>;
  taskTypes: ReadonlyArray<{ id: string; name: string; risk: string }>;
  values: TemplateFormValues;
  errors: Record<string, string>;
  formError?: string;
  intent: string;
  submitLabel: string;
}) {
  const { agents, taskTypes, values, errors, formError, intent, submitLabel } = props;
  return (
    <Form method="post" className="task-form" noValidate>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value={intent} />
      <FormError message={formError} />
      <Field
        label="Template name"
        name="name"
        error={errors.name}
        defaultValue={values.name}
        maxLength={COLUMN_LIMITS.task_templates.name}
        hint="How the template is listed"
        required
      />
      <Field label="Task title" name="title" error={errors.title} defaultValue={values.title} maxLength={COLUMN_LIMITS.task_templates.title} required />
      <Field
        label="Task description"
        name="description"
        error={errors.description}
        defaultValue={values.description}
        multiline
        rows={4}
        maxLength={COLUMN_LIMITS.task_templates.description}
      />
      <div className="form-row">
        <PriorityField value={values.priority} error={errors.priority} />
        <AssigneeField agents={agents} value={values.assigned_agent_id} error={errors.assigned_agent_id} />
        <TaskTypeField taskTypes={taskTypes} value={values.task_type_id} error={errors.task_type_id} />
        <LabelsField value={values.labels} error={errors.labels} />
        <StartInField value={values.status} error={errors.status} />
      </div>
      <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}
