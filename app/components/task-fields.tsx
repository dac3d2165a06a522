import { INPUT_LIMITS, LABEL_LIMITS } from "#app/domain/field-limits";
import { PRIORITIES, PRIORITY_LABELS } from "#app/domain/priority";
import { Field, SelectField } from "./field";

// The fields a new task starts with, shared by the task form and the task
// template's form (a template holds what a task made from it starts with).

interface Choice {
  value: string | undefined;
  error: string | undefined;
}

export function PriorityField({ value, error }: Choice) {
  return (
    <SelectField
      label="Priority"
      name="priority"
      defaultValue={value ?? "normal"}
      error={error}
      options={PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))}
    />
  );
}

export function AssigneeField({ agents, value, error }: Choice & { agents: ReadonlyArray<{ id: string; name: string; emoji: string }> }) {
  return (
    <SelectField
      label="Assignee"
      name="assigned_agent_id"
      defaultValue={value ?? ""}
      error={error}
      options={[{ value: "", label: "Unassigned" }, ...agents.map((a) => ({ value: a.id, label: `${a.emoji} ${a.name}` }))]}
    />
  );
}

export function TaskTypeField({ taskTypes, value, error }: Choice & { taskTypes: ReadonlyArray<{ id: string; name: string; risk: string }> }) {
  return (
    <SelectField
      label="Task type"
      name="task_type_id"
      defaultValue={value ?? ""}
      error={error}
      options={[{ value: "", label: "General (low risk)" }, ...taskTypes.map((t) => ({ value: t.id, label: `${t.name} (${t.risk} risk)` }))]}
    />
  );
}

export function LabelsField({ value, error, placeholder }: Choice & { placeholder?: string }) {
  return (
    <Field
      label="Labels"
      name="labels"
      error={error}
      defaultValue={value}
      maxLength={INPUT_LIMITS.labelsField}
      hint={`Comma-separated, up to ${LABEL_LIMITS.perTask}`}
      placeholder={placeholder}
    />
  );
}

export function StartInField({ value, error }: Choice) {
  return (
    <SelectField
      label="Start in"
      name="status"
      defaultValue={value ?? "inbox"}
      error={error}
      options={[
        { value: "inbox", label: "Inbox" },
        { value: "planning", label: "Planning" },
        { value: "assigned", label: "Assigned" },
      ]}
    />
  );
}
