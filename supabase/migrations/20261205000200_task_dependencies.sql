-- compatible-with-previous: true
-- Dependencies and subtasks (decision 044): "blocked by" links between tasks
-- of one workspace, never in a cycle, and a parent for subtasks. A task with an
-- open blocker is never dispatched (dispatch_blocked, supabase/sql/11_dispatch.sql).

create table task_dependencies (
  task_id uuid not null references tasks (id) on delete cascade,
  blocked_by_id uuid not null references tasks (id) on delete cascade,
  created_by_type text not null check (created_by_type in ('user', 'agent', 'system')),
  created_by_name text not null default '' check (char_length(created_by_name) <= 200),
  created_at timestamptz not null default now(),
  primary key (task_id, blocked_by_id),
  constraint task_dependencies_not_self check (task_id <> blocked_by_id)
);

alter table task_dependencies enable row level security;

-- What a task blocks (the reverse direction, and the cycle check's walk).
create index task_dependencies_blocker_idx on task_dependencies (blocked_by_id);

alter table tasks add column parent_id uuid references tasks (id) on delete set null;

create index tasks_parent_idx on tasks (parent_id) where parent_id is not null;
