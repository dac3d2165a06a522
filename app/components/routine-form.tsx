import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { Field, FormError, SelectField } from "./field";
import { SubmitButton } from "./submit-button";

export type RoutineFormValues = Partial<Record<"name" | "template_id" | "schedule" | "time_zone", string>>;

/** A routine's form (decision 046): its name, the template it creates tasks from, and when. */
export function RoutineForm(props: {
  templates: ReadonlyArray<{ id: string; name: string }>;
  zones: readonly string[];
  values: RoutineFormValues;
  errors: Record<string, string>;
  formError?: string;
  intent: string;
  submitLabel: string;
}) {
  const { templates, zones, values, errors, formError, intent, submitLabel } = props;
  return (
    <Form method="post" className="task-form" noValidate>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value={intent} />
      <FormError message={formError} />
      <Field label="Routine name" name="name" error={errors.name} defaultValue={values.name} maxLength={COLUMN_LIMITS.routines.name} required />
      <div className="form-row">
        <SelectField
          label="Template"
          name="template_id"
          defaultValue={values.template_id ?? ""}
          error={errors.template_id}
          options={[{ value: "", label: "Choose…" }, ...templates.map((t) => ({ value: t.id, label: t.name }))]}
        />
        <Field
          label="Schedule (cron)"
          name="schedule"
          error={errors.schedule}
          defaultValue={values.schedule}
          maxLength={COLUMN_LIMITS.routines.schedule}
          hint="Minute, hour, day of month, month, day of week: 0 9 * * 1-5 is 09:00 on weekdays; @daily and @weekly work too"
          placeholder="0 9 * * 1-5"
          required
        />
        <SelectField
          label="Time zone"
          name="time_zone"
          defaultValue={values.time_zone ?? "UTC"}
          error={errors.time_zone}
          options={zones.map((z) => ({ value: z, label: z.replaceAll("_", " ") }))}
        />
      </div>
      <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}
