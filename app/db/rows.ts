// Shapes of what the SQL functions return (jsonb), shared with components.
import type { Priority } from "#app/domain/priority";
import type { TaskStatus } from "#app/domain/task-status";
import type { Provenance } from "#app/domain/costs";

export interface Actor {
  type: "user" | "agent" | "system";
  id?: string | null;
  name: string;
}

export interface WorkspaceSummary {
  id: string;
  slug: string;
  name: string;
  icon: string;
  created_at: string;
  task_counts: Partial<Record<TaskStatus, number>>;
  task_total: number;
  agent_count: number;
}

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  icon: string;
}

export interface TaskCard {
  id: string;
  title: string;
  status: TaskStatus;
  priority: Priority;
  due_at: string | null;
  alert_reason: string | null;
  created_at: string;
  updated_at: string;
  status_changed_at: string;
  token_usage: number;
  estimated_cost: number;
  /** How sure the cost is: the weakest provenance among the task's usage records; null with none. */
  cost_provenance: Provenance | null;
  assignee: { id: string; name: string; emoji: string; status: string } | null;
  /** The task's pipeline and current stage, null outside a pipeline. */
  pipeline: TaskPipeline | null;
}

export interface TaskPipeline {
  id: string;
  name: string;
  stage_id: string;
  position: number;
  stages: Array<{ id: string; position: number; name: string }>;
}

export interface Board {
  counts: Record<TaskStatus, number>;
  columns: Record<TaskStatus, TaskCard[]>;
}

export interface Activity {
  id: string;
  type: string;
  message: string;
  metadata: Record<string, unknown>;
  actor_type: Actor["type"];
  actor_name: string;
  created_at: string;
}

export interface Deliverable {
  id: string;
  type: "file" | "url" | "artifact";
  title: string;
  path: string | null;
  url: string | null;
  description: string;
  created_at: string;
}

/** Tokens and cost as the ledger keeps them, for one report or summed. */
export interface LedgerFigures {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  provenance: Provenance;
}

export interface UsageRecord extends LedgerFigures {
  source: "webhook" | "agent_api" | "gateway";
  run_id: string | null;
  model: string;
  price_version: number | null;
  created_at: string;
}

/** Usage summed per run for the task page. */
export interface UsageRun extends LedgerFigures {
  run_id: string | null;
  records: number;
  models: string[] | null;
  price_versions: number[] | null;
}

export interface Approval {
  id: string;
  task_id: string;
  action: string;
  args: Record<string, unknown>;
  target: string;
  reason: string;
  digest: string;
  status: "pending" | "approved" | "denied" | "expired" | "cancelled";
  expires_at: string;
  created_at: string;
  decided_at: string | null;
  comment: string | null;
  by: string | null;
  mode: "hitl" | "hotl" | "policy";
  veto_until: string | null;
  escalated: boolean;
}

export interface TaskDetail extends TaskCard {
  workspace_id: string;
  description: string;
  workspace: Workspace;
  allowed_statuses: TaskStatus[];
  activities: Activity[];
  deliverables: Deliverable[];
  assignee_openclaw_id: string | null;
  planning_spec: Record<string, unknown> | null;
  session_key: string | null;
  run_id: string | null;
  dispatch_attempts: number;
  last_dispatch_error: string | null;
  next_dispatch_at: string | null;
  lease_expires_at: string | null;
  dispatched_at: string | null;
  test_step: boolean;
  usage: UsageRecord[];
  usage_runs: UsageRun[];
  budget: BudgetStatus;
  approvals: Approval[];
}

export interface Agent {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  emoji: string;
  model: string;
  openclaw_agent_id: string | null;
  status: "standby" | "working" | "offline";
  autonomy_level: "hitl" | "hotl" | "autonomous";
  has_token: boolean;
  token_hint: string | null;
  token_created_at: string | null;
  created_at: string;
  updated_at: string;
  active_tasks?: number;
}

export interface FeedEvent {
  seq: number;
  type: string;
  workspace_id: string | null;
  task_id: string | null;
  task_title: string | null;
  agent_id: string | null;
  agent_name: string | null;
  actor: Actor;
  payload: Record<string, unknown>;
  created_at: string;
}

/** A budget (or its absence: id null) with its spend; daily is the UTC day. */
export interface BudgetStatus {
  id: string | null;
  scope: "workspace" | "agent" | "task";
  daily_limit_usd: number | null;
  total_limit_usd: number | null;
  reserve_usd: number | null;
  spent_today_usd: number;
  spent_total_usd: number;
  reserved_usd: number;
}
