import { AssigneeField, LabelsField, PriorityField, StartInField, TaskTypeField } from "./task-fields";
import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import type { TaskFormValues } from "#app/domain/forms/task";
import { Field, FormError, SelectField } from "./field";
import { SubmitButton } from "./submit-button";

/** The create and edit form: same fields, same server-side errors next to each. */
export function TaskForm(props: {
  agents: ReadonlyArray<{ id: string; name: string; emoji: string }>;
  taskTypes: ReadonlyArray<{ id: string; name: string; risk: string }>;
  values: TaskFormValues;
  errors: Record<string, string>;
  formError?: string;
  submitLabel: string;
  withStatus?: boolean;
  intent?: string;
  /** Offered on create only: a pipeline task starts at stage 1 with that stage's agent. */
  pipelines?: ReadonlyArray<{ id: string; name: string; stages: ReadonlyArray<unknown> }>;
  /** Creating a subtask: its parent, kept in the form and named above it. */
  parent?: { id: string; title: string } | null;
}) {
  const { agents, taskTypes, values, errors, formError, submitLabel, withStatus, intent, pipelines, parent } = props;
  return (
    <Form method="post" className="task-form" noValidate>
      <AuthenticityTokenInput />
      {intent ? <input type="hidden" name="intent" value={intent} /> : null}
      {parent ? (
        <p className="muted" data-testid="subtask-of">
          <input type="hidden" name="parent_id" value={parent.id} />
          Subtask of <strong>{parent.title}</strong>
        </p>
      ) : null}
      <FormError message={formError ?? errors.parent_id} />
      <Field label="Title" name="title" error={errors.title} defaultValue={values.title} maxLength={COLUMN_LIMITS.tasks.title} required />
      <Field
        label="Description"
        name="description"
        error={errors.description}
        defaultValue={values.description}
        multiline
        rows={6}
        maxLength={COLUMN_LIMITS.tasks.description}
      />
      <div className="form-row">
        <PriorityField value={values.priority} error={errors.priority} />
        <AssigneeField agents={agents} value={values.assigned_agent_id} error={errors.assigned_agent_id} />
        <Field label="Due date" name="due_at" type="date" error={errors.due_at} defaultValue={values.due_at} />
        <TaskTypeField taskTypes={taskTypes} value={values.task_type_id} error={errors.task_type_id} />
        <LabelsField value={values.labels} error={errors.labels} placeholder="bug, frontend" />
        {pipelines && pipelines.length > 0 ? (
          <SelectField
            label="Pipeline"
            name="pipeline_id"
            defaultValue={values.pipeline_id ?? ""}
            error={errors.pipeline_id}
            options={[
              { value: "", label: "None (single step)" },
              ...pipelines.filter((p) => p.stages.length > 0).map((p) => ({ value: p.id, label: `${p.name} (${p.stages.length} stages)` })),
            ]}
          />
        ) : null}
        {withStatus ? <StartInField value={values.status} error={errors.status} /> : null}
      </div>
      <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}
