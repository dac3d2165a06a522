import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { labelsInputValue } from "../labels";
import { checkSchedule } from "../routines";
import { taskFields } from "./task";

// The template and routine forms (decision 046). A template holds a task's
// fields and a name; a routine names a template, a cron schedule and a time zone.

export const templateSchema = z
  .object({
    name: z.string().trim().min(1, "A name is required").max(L.task_templates.name, atMost(L.task_templates.name)),
    title: taskFields.title,
    description: taskFields.description,
    priority: taskFields.priority,
    status: z.enum(["planning", "inbox", "assigned"], { error: "New tasks start in planning, inbox or assigned" }).default("inbox"),
    assigned_agent_id: taskFields.assigned_agent_id,
    task_type_id: taskFields.task_type_id,
    labels: taskFields.labels,
  })
  .strict()
  .refine((t) => t.status !== "assigned" || t.assigned_agent_id !== null, {
    path: ["assigned_agent_id"],
    message: "Choose an agent to assign the task to",
  });

export type TemplateFields = z.output<typeof templateSchema>;

/** What the template form posts, as the inputs hold it. */
export type TemplateFormValues = Partial<Record<keyof z.input<typeof templateSchema>, string>>;

/** A template's fields as its edit form starts with them (and the new-task form, prefilled from it). */
export function templateFormValues(t: {
  name: string;
  title: string;
  description: string;
  priority: string;
  status: string;
  assigned_agent_id: string | null;
  task_type_id: string | null;
  labels: readonly string[];
}): Required<TemplateFormValues> {
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    priority: t.priority,
    status: t.status,
    assigned_agent_id: t.assigned_agent_id ?? "",
    task_type_id: t.task_type_id ?? "",
    labels: labelsInputValue(t.labels),
  };
}

export const routineSchema = z
  .object({
    name: z.string().trim().min(1, "A name is required").max(L.routines.name, atMost(L.routines.name)),
    template_id: z.uuid({ error: "Choose a template from the list" }),
    schedule: z.string().trim().min(1, "A schedule is required").max(L.routines.schedule, atMost(L.routines.schedule)),
    time_zone: z.string({ error: "Choose a time zone from the list" }).max(L.routines.time_zone, "Choose a time zone from the list"),
  })
  .strict()
  .superRefine((r, ctx) => {
    const check = checkSchedule(r.schedule, r.time_zone);
    if (!check.ok) ctx.addIssue({ code: "custom", path: [check.field], message: check.message });
  });

export type RoutineFields = z.output<typeof routineSchema>;
