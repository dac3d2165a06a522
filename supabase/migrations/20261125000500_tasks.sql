-- The legal status moves, enforced by a trigger so no writer can skip them.
-- app/domain/task-status.ts holds the same table; a test keeps them equal.
create table task_transitions (
  from_status text not null,
  to_status text not null,
  primary key (from_status, to_status)
);
insert into task_transitions (from_status, to_status) values
  ('planning', 'inbox'), ('planning', 'assigned'), ('planning', 'cancelled'),
  ('inbox', 'planning'), ('inbox', 'assigned'), ('inbox', 'cancelled'),
  ('assigned', 'inbox'), ('assigned', 'in_progress'), ('assigned', 'cancelled'),
  ('in_progress', 'assigned'), ('in_progress', 'testing'), ('in_progress', 'review'), ('in_progress', 'cancelled'),
  ('testing', 'assigned'), ('testing', 'review'), ('testing', 'cancelled'),
  ('review', 'assigned'), ('review', 'done'), ('review', 'cancelled'),
  ('done', 'review'),
  ('cancelled', 'inbox');

create table tasks (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete restrict,
  title text not null check (char_length(btrim(title)) between 1 and 500),
  description text not null default '' check (char_length(description) <= 10000),
  status text not null default 'inbox'
    check (status in ('planning', 'inbox', 'assigned', 'in_progress', 'testing', 'review', 'done', 'cancelled')),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  assigned_agent_id uuid,
  due_at timestamptz,
  alert_reason text check (alert_reason ~ '^[a-z][a-z0-9_]{0,63}$'),
  token_usage bigint not null default 0 check (token_usage >= 0),
  estimated_cost numeric(14, 6) not null default 0 check (estimated_cost >= 0),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  status_changed_at timestamptz not null default now(),
  priority_rank smallint generated always as
    (case priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end) stored,
  -- The assignee belongs to the task's own workspace.
  constraint tasks_assignee_fkey foreign key (workspace_id, assigned_agent_id)
    references agents (workspace_id, id) on delete set null (assigned_agent_id),
  -- An agent must be named before work is handed to it.
  constraint tasks_assignee_required check (status not in ('assigned', 'in_progress') or assigned_agent_id is not null)
);
-- The board reads one workspace's column at a time, newest first.
create index tasks_board_idx on tasks (workspace_id, status, priority_rank, updated_at desc);
create index tasks_board_closed_idx on tasks (workspace_id, status, updated_at desc) where status in ('done', 'cancelled');
create index tasks_assignee_idx on tasks (assigned_agent_id, status) where assigned_agent_id is not null;

create trigger tasks_updated_at before update on tasks
  for each row execute function set_updated_at();

create or replace function enforce_task_transition() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status then
    if not exists (select 1 from task_transitions where from_status = old.status and to_status = new.status) then
      perform raise_app_error('conflict',
        format('A task cannot move from %s to %s.', old.status, new.status),
        jsonb_build_object('from', old.status, 'to', new.status, 'allowed',
          (select coalesce(jsonb_agg(to_status order by to_status), '[]'::jsonb)
             from task_transitions where from_status = old.status)));
    end if;
    new.status_changed_at := now();
  end if;
  return new;
end $$;
create trigger tasks_transition before update of status on tasks
  for each row execute function enforce_task_transition();

create table task_activities (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  type text not null check (type ~ '^[a-z][a-z0-9_.]{0,39}$'),
  message text not null check (char_length(message) <= 10000),
  metadata jsonb not null default '{}'::jsonb,
  actor_type text not null check (actor_type in ('user', 'agent', 'system')),
  actor_id uuid,
  actor_name text not null default '',
  -- Statement time: several activities written in one transaction keep their order.
  created_at timestamptz not null default clock_timestamp()
);
create index task_activities_task_idx on task_activities (task_id, created_at desc);

create table task_deliverables (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  type text not null check (type in ('file', 'url', 'artifact')),
  title text not null check (char_length(btrim(title)) between 1 and 500),
  path text check (char_length(path) <= 1000),
  url text check (char_length(url) <= 2000),
  description text not null default '' check (char_length(description) <= 10000),
  created_by_agent_id uuid references agents (id) on delete set null,
  created_at timestamptz not null default now()
);
create index task_deliverables_task_idx on task_deliverables (task_id, created_at desc);
