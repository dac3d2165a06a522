-- compatible-with-previous: true
-- Task templates and routines (decision 046): a template holds what a new task
-- starts with; a routine creates a task from its template at each occurrence of
-- a cron schedule in a time zone. routine_runs keeps one row per occurrence,
-- so an occurrence creates its task exactly once however many heartbeats reach it.

create table task_templates (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  title text not null check (char_length(btrim(title)) between 1 and 500),
  description text not null default '' check (char_length(description) <= 10000),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  status text not null default 'inbox' check (status in ('planning', 'inbox', 'assigned')),
  assigned_agent_id uuid references agents (id) on delete set null,
  task_type_id uuid references task_types (id) on delete set null,
  labels text[] not null default '{}' check (cardinality(labels) <= 10),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table task_templates enable row level security;

create index task_templates_workspace_idx on task_templates (workspace_id, name);

create table routines (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  -- A template in use cannot be deleted (delete_task_template says which routines use it).
  template_id uuid not null references task_templates (id) on delete restrict,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  schedule text not null check (char_length(btrim(schedule)) between 1 and 100),
  time_zone text not null check (char_length(time_zone) between 1 and 64),
  paused_at timestamptz,
  -- The next occurrence, computed by the app from the schedule (app/domain/routines.ts).
  next_run_at timestamptz not null,
  last_run_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table routines enable row level security;

create index routines_workspace_idx on routines (workspace_id, name);
create index routines_template_idx on routines (template_id);
-- The heartbeat's one read when nothing is due.
create index routines_due_idx on routines (next_run_at) where paused_at is null;

create table routine_runs (
  id uuid primary key default gen_random_uuid(),
  routine_id uuid not null references routines (id) on delete cascade,
  occurrence_at timestamptz not null,
  outcome text not null check (outcome in ('created', 'skipped')),
  task_id uuid references tasks (id) on delete set null,
  -- On a created run after a gap: how many earlier occurrences were skipped.
  skipped_before int not null default 0 check (skipped_before >= 0),
  created_at timestamptz not null default now(),
  constraint routine_runs_once unique (routine_id, occurrence_at)
);

alter table routine_runs enable row level security;
