import type { AutonomyLevel } from "#app/domain/autonomy";
import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for pipeline templates, pipeline tasks and their stage runs.

export interface PipelineStage {
  id: string;
  position: number;
  name: string;
  autonomy_level: AutonomyLevel;
  gate_advance: boolean;
  agent: { id: string; name: string; emoji: string; openclaw_agent_id: string | null } | null;
}

export interface Pipeline {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  stages: PipelineStage[];
}

export interface StageLoad {
  stage_id: string;
  position: number;
  open: number;
  by_status: Record<string, number>;
  oldest_waiting_at: string | null;
}

export interface PipelineSummary extends Pipeline {
  open: number;
  done: number;
  load: StageLoad[];
}

export interface StageRun {
  id: string;
  position: number;
  stage_name: string;
  agent: { id: string | null; name: string } | null;
  session_key: string | null;
  started_at: string;
  finished_at: string | null;
  advanced_by: { type: Actor["type"]; id: string | null; name: string } | null;
  approval_id: string | null;
  tokens: number;
  cost_usd: number | null;
  usage_records: number;
}

export interface StageFields {
  name?: string;
  agent_id?: string;
  autonomy_level?: AutonomyLevel;
  gate_advance?: boolean;
}

export const listPipelines = (db: Database, workspaceId: string) => db.rpc<PipelineSummary[]>("list_pipelines", { p_workspace_id: workspaceId });

export const getPipeline = (db: Database, pipelineId: string) => db.rpc<Pipeline | null>("get_pipeline", { p_pipeline_id: pipelineId });

export const createPipeline = (db: Database, workspaceId: string, fields: { name: string; description: string }, actor: Actor) =>
  db.rpc<Pipeline>("create_pipeline", { p_workspace_id: workspaceId, p_fields: fields, p_actor: actor });

export const updatePipeline = (db: Database, pipelineId: string, fields: { name?: string; description?: string }, actor: Actor) =>
  db.rpc<Pipeline>("update_pipeline", { p_pipeline_id: pipelineId, p_fields: fields, p_actor: actor });

export const deletePipeline = (db: Database, pipelineId: string, actor: Actor) => db.rpc("delete_pipeline", { p_pipeline_id: pipelineId, p_actor: actor });

export const addStage = (db: Database, pipelineId: string, fields: StageFields, actor: Actor) =>
  db.rpc<PipelineStage>("add_pipeline_stage", { p_pipeline_id: pipelineId, p_fields: fields, p_actor: actor });

export const updateStage = (db: Database, stageId: string, fields: StageFields, actor: Actor) =>
  db.rpc<PipelineStage>("update_pipeline_stage", { p_stage_id: stageId, p_fields: fields, p_actor: actor });

export const moveStage = (db: Database, stageId: string, direction: -1 | 1, actor: Actor) =>
  db.rpc("move_pipeline_stage", { p_stage_id: stageId, p_direction: direction, p_actor: actor });

export const deleteStage = (db: Database, stageId: string, actor: Actor) => db.rpc("delete_pipeline_stage", { p_stage_id: stageId, p_actor: actor });

export const createPipelineTask = (db: Database, workspaceId: string, pipelineId: string, fields: Record<string, unknown>, actor: Actor) =>
  db.rpc<{ id: string; status: string }>("create_pipeline_task", { p_workspace_id: workspaceId, p_pipeline_id: pipelineId, p_fields: fields, p_actor: actor });

export const stageTimeline = (db: Database, taskId: string) => db.rpc<StageRun[]>("task_stage_timeline", { p_task_id: taskId });

export const requestStageAdvance = (db: Database, taskId: string, actor: Actor, ttlSeconds: number) =>
  db.rpc<{ advanced: boolean; gate: string; approval?: { id: string; mode: string; status: string } }>("request_stage_advance", {
    p_task_id: taskId,
    p_actor: actor,
    p_ttl_seconds: ttlSeconds,
  });

/** Pipeline tasks whose stage reached review: each advances, or asks for an approval when gated (at most `limit`). */
export const requestStageAdvances = (db: Database, limit: number, ttlSeconds: number) =>
  db.rpc<Array<{ task_id: string; advanced: boolean; mode: string }>>("request_stage_advances", { p_limit: limit, p_ttl_seconds: ttlSeconds });
