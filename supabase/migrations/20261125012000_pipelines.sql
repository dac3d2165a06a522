-- Multi-stage pipelines (decision 009): a workspace's templates of ordered
-- stages, each worked by one agent at its own autonomy level; tasks on a
-- pipeline remember their current stage, and every stage a task passes
-- through leaves a run row (who worked it, when, who advanced it).

create table pipelines (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  description text not null default '' check (char_length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create trigger pipelines_updated_at before update on pipelines for each row execute function set_updated_at();
alter table pipelines enable row level security;

create table pipeline_stages (
  id uuid primary key default gen_random_uuid(),
  pipeline_id uuid not null references pipelines (id) on delete cascade,
  -- 1..n without gaps; deferrable so a swap or a renumbering is one statement.
  position int not null check (position between 1 and 50),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  -- Null only after the agent was deleted: the stage then refuses new work.
  agent_id uuid references agents (id) on delete set null,
  autonomy_level text not null default 'hitl' check (autonomy_level in ('hitl', 'hotl', 'autonomous')),
  -- Leaving this stage for the next one is a gated 'stage_advance' action.
  gate_advance boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint pipeline_stages_position_key unique (pipeline_id, position) deferrable initially immediate
);
create trigger pipeline_stages_updated_at before update on pipeline_stages for each row execute function set_updated_at();
alter table pipeline_stages enable row level security;

alter table tasks
  add column pipeline_id uuid references pipelines (id) on delete restrict,
  add column stage_id uuid references pipeline_stages (id) on delete restrict,
  add constraint tasks_stage_with_pipeline check ((pipeline_id is null) = (stage_id is null));
create index tasks_stage_idx on tasks (stage_id, status) where stage_id is not null;

create table task_stage_runs (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  stage_id uuid references pipeline_stages (id) on delete set null,
  -- Copies, so the timeline survives edits of the template.
  position int not null,
  stage_name text not null,
  agent_id uuid references agents (id) on delete set null,
  agent_name text not null default '',
  -- The stage's own gateway session: its usage records carry this key.
  session_key text,
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  advanced_by_type text check (advanced_by_type in ('user', 'agent', 'system')),
  advanced_by_id uuid,
  advanced_by_name text,
  approval_id uuid references approvals (id) on delete set null
);
create index task_stage_runs_task_idx on task_stage_runs (task_id, started_at);
create unique index task_stage_runs_open_idx on task_stage_runs (task_id) where finished_at is null;
alter table task_stage_runs enable row level security;
