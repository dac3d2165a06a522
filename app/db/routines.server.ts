import type { Actor } from "./actor";
import type { Database } from "./types";
import type { RoutineFields, TemplateFields } from "#app/domain/forms/routines";

// Typed calls for task templates and routines (decision 046): managing them,
// and the heartbeat's two steps (the due routines, one routine's turn).

export interface TaskTemplate {
  id: string;
  workspace_id: string;
  name: string;
  title: string;
  description: string;
  priority: string;
  status: string;
  labels: string[];
  assigned_agent_id: string | null;
  task_type_id: string | null;
  agent: { id: string; name: string; emoji: string } | null;
  task_type: { id: string; name: string } | null;
  /** How many routines use it. */
  routines: number;
  created_at: string;
  updated_at: string;
}

export interface Routine {
  id: string;
  workspace_id: string;
  template_id: string;
  name: string;
  schedule: string;
  time_zone: string;
  paused_at: string | null;
  next_run_at: string;
  last_run_at: string | null;
  template: { id: string; name: string; title: string } | null;
  created_at: string;
  updated_at: string;
}

export interface RoutineRun {
  occurrence_at: string;
  outcome: "created" | "skipped";
  skipped_before: number;
  created_at: string;
  task: { id: string; title: string; status: string } | null;
}

export interface RoutineWithRuns extends Routine {
  runs: RoutineRun[];
}

export interface DueRoutine {
  id: string;
  name: string;
  schedule: string;
  time_zone: string;
  next_run_at: string;
}

export const listTaskTemplates = (db: Database, workspaceId: string) => db.rpc<TaskTemplate[]>("list_task_templates", { p_workspace_id: workspaceId });

/** Null when there is no such template. */
export const getTaskTemplate = (db: Database, templateId: string) => db.rpc<TaskTemplate | null>("get_task_template", { p_template_id: templateId });

export const createTaskTemplate = (db: Database, workspaceId: string, fields: TemplateFields, actor: Actor) =>
  db.rpc<TaskTemplate>("create_task_template", { p_workspace_id: workspaceId, p_fields: fields, p_actor: actor });

export const updateTaskTemplate = (db: Database, templateId: string, fields: TemplateFields, actor: Actor) =>
  db.rpc<TaskTemplate>("update_task_template", { p_template_id: templateId, p_fields: fields, p_actor: actor });

/** Refused (conflict, naming them) while routines use the template. */
export const deleteTaskTemplate = (db: Database, templateId: string, actor: Actor) =>
  db.rpc<{ id: string; deleted: boolean }>("delete_task_template", { p_template_id: templateId, p_actor: actor });

export const listRoutines = (db: Database, workspaceId: string) => db.rpc<Routine[]>("list_routines", { p_workspace_id: workspaceId });

/** A routine with its latest runs, newest first; null when there is no such routine. */
export const getRoutine = (db: Database, routineId: string, runs: number) =>
  db.rpc<RoutineWithRuns | null>("get_routine", { p_routine_id: routineId, p_runs: runs });

export const createRoutine = (db: Database, workspaceId: string, fields: RoutineFields, nextRunAt: Date, actor: Actor) =>
  db.rpc<Routine>("create_routine", { p_workspace_id: workspaceId, p_fields: fields, p_next_run_at: nextRunAt.toISOString(), p_actor: actor });

export const updateRoutine = (db: Database, routineId: string, fields: RoutineFields, nextRunAt: Date, actor: Actor) =>
  db.rpc<Routine>("update_routine", { p_routine_id: routineId, p_fields: fields, p_next_run_at: nextRunAt.toISOString(), p_actor: actor });

/** Pauses (nextRunAt null), or resumes with the first run after now. */
export const setRoutinePaused = (db: Database, routineId: string, paused: boolean, nextRunAt: Date | null, actor: Actor) =>
  db.rpc<Routine>("set_routine_paused", {
    p_routine_id: routineId,
    p_paused: paused,
    p_next_run_at: nextRunAt ? nextRunAt.toISOString() : null,
    p_actor: actor,
  });

export const deleteRoutine = (db: Database, routineId: string, actor: Actor) =>
  db.rpc<{ id: string; deleted: boolean }>("delete_routine", { p_routine_id: routineId, p_actor: actor });

/** Routines not paused whose next run has come, soonest first. */
export const listDueRoutines = (db: Database, limit: number) => db.rpc<DueRoutine[]>("list_due_routines", { p_limit: limit });

export interface RoutineTurn {
  /** The routine whose stored next run the caller read. */
  routineId: string;
  dueAt: Date;
  occurrence: Date;
  skipped: Date[];
  skippedTotal: number;
  next: Date;
}

/** One routine's turn: its task for the occurrence, created exactly once however many callers try. */
export const runRoutine = (db: Database, turn: RoutineTurn) =>
  db.rpc<{ created: boolean; reason: string | null; task_id: string | null; skipped: number }>("run_routine", {
    p_routine_id: turn.routineId,
    p_due_at: turn.dueAt.toISOString(),
    p_occurrence_at: turn.occurrence.toISOString(),
    p_skipped: turn.skipped.map((d) => d.toISOString()),
    p_skipped_total: turn.skippedTotal,
    p_next_run_at: turn.next.toISOString(),
  });
