import type { Actor } from "#app/db/actor";
import { createPipelineTask } from "#app/db/pipelines.server";
import { createTask } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";

/** What the new-task page and the operator API create a task from (their schemas parse it). */
export interface NewTaskFields extends Record<string, unknown> {
  status: "planning" | "inbox" | "assigned";
  pipeline_id: string | null;
}

/**
 * Creates a task, from the new-task page or the operator API alike. A task on
 * a pipeline goes to its first stage's agent: assigned, unless it is to be
 * planned first.
 */
export function createTaskFrom(db: Database, workspaceId: string, input: NewTaskFields, actor: Actor) {
  const { pipeline_id, ...fields } = input;
  return pipeline_id
    ? createPipelineTask(db, workspaceId, pipeline_id, { ...fields, status: fields.status === "planning" ? "planning" : "assigned" }, actor)
    : createTask(db, workspaceId, fields, actor);
}
