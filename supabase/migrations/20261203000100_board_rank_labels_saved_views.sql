-- The board's own order, labels on tasks, and each user's saved views.
--
-- rank: a task's place in its workspace's manual order, lowest first. One
-- order per workspace, read lane by lane (as Linear keeps one sort order per
-- issue): a card keeps its place when an agent or a gate moves it, and a
-- person places it between two neighbours by taking the midpoint of their
-- ranks. numeric is exact, so a midpoint never rounds onto a neighbour and no
-- lane ever needs renumbering. Existing tasks keep the order the board showed
-- (priority, then most recently updated). A row inserted without a rank goes
-- above every task that existed (its negative creation time); create_task
-- sets it explicitly to just above the workspace's first card.
alter table tasks add column rank numeric not null
  default (-extract(epoch from clock_timestamp()))::numeric;

-- Setting a rank is not an edit: updated_at, which orders done and cancelled,
-- is left as it was (the trigger that stamps it exists on a database that ran
-- the function files before).
do $$
declare
  v_stamp boolean := exists (select 1 from pg_trigger where tgname = 'tasks_updated_at' and tgrelid = 'tasks'::regclass);
begin
  if v_stamp then
    alter table tasks disable trigger tasks_updated_at;
  end if;
  update tasks t set rank = o.n
  from (select id, row_number() over (partition by workspace_id order by priority_rank, updated_at desc, id) as n from tasks) o
  where o.id = t.id;
  if v_stamp then
    alter table tasks enable trigger tasks_updated_at;
  end if;
end $$;

-- Open lanes read in rank order; done and cancelled stay newest first.
create index tasks_board_rank_idx on tasks
  (workspace_id, status, (case when status in ('done', 'cancelled') then 0 else rank end), updated_at desc, id);

-- The top of the workspace's order, where a new task goes.
create index tasks_rank_idx on tasks (workspace_id, rank);

-- Labels: short lower-case words, at most 10 a task (app/domain/labels.ts
-- normalises them; the SQL functions check them again).
alter table tasks add column labels text[] not null default '{}'
  check (cardinality(labels) <= 10 and array_position(labels, null) is null);

create index tasks_labels_idx on tasks using gin (labels);

-- A saved view: a named board or list query string, one user's own, in one
-- workspace. Saving under a name the user already has replaces its query.
create table saved_views (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 60),
  query text not null check (char_length(query) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint saved_views_name_key unique (workspace_id, user_id, name)
);

alter table saved_views enable row level security;

-- get_board takes a filter now; its new signature is created by supabase/sql.
drop function if exists get_board(uuid, jsonb);
