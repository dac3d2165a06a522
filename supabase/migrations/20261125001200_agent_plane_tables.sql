-- Dispatch state on tasks, and the tables the agent plane writes: usage
-- ledger, webhook deliveries, heartbeat receipts, approvals, planning Q&A.

alter table tasks
  add column test_step boolean not null default true,
  add column planning_spec jsonb,
  add column session_key text check (char_length(session_key) <= 200),
  add column current_run_id text check (char_length(current_run_id) <= 200),
  -- Successful dispatches so far; the next dispatch's idempotency key uses it,
  -- so a retry after a crash re-sends the same key and never starts a twin run.
  add column dispatch_count int not null default 0,
  add column dispatch_attempts int not null default 0 check (dispatch_attempts >= 0),
  add column next_dispatch_at timestamptz,
  add column claimed_until timestamptz,
  add column lease_expires_at timestamptz,
  add column dispatched_at timestamptz,
  add column last_dispatch_error text check (char_length(last_dispatch_error) <= 2000),
  add column last_activity_at timestamptz not null default now(),
  add column stall_flagged_at timestamptz,
  add column completed_at timestamptz;

create index tasks_dispatch_ready_idx on tasks (priority_rank, created_at) where status = 'assigned';
create index tasks_in_progress_idx on tasks (lease_expires_at) where status = 'in_progress';
create index tasks_testing_idx on tasks (status_changed_at) where status = 'testing';
create unique index tasks_session_key_idx on tasks (session_key) where session_key is not null;

create table usage_records (
  id uuid primary key default gen_random_uuid(),
  task_id uuid references tasks (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  workspace_id uuid references workspaces (id) on delete cascade,
  session_key text,
  run_id text,
  source text not null check (source in ('webhook', 'agent_api', 'gateway')),
  -- One record per source and key (the run id, or the delivery id): repeats change nothing.
  dedupe_key text,
  model text not null default '' check (char_length(model) <= 200),
  input_tokens bigint not null default 0 check (input_tokens >= 0),
  output_tokens bigint not null default 0 check (output_tokens >= 0),
  cache_read_tokens bigint not null default 0 check (cache_read_tokens >= 0),
  cache_write_tokens bigint not null default 0 check (cache_write_tokens >= 0),
  cost_usd numeric(14, 6) check (cost_usd >= 0),
  provenance text not null default 'reported' check (provenance in ('reported', 'estimated')),
  created_at timestamptz not null default now()
);
create unique index usage_records_dedupe_key on usage_records (source, dedupe_key) where dedupe_key is not null;
create index usage_records_task_idx on usage_records (task_id, created_at);
create index usage_records_workspace_time_idx on usage_records (workspace_id, created_at);

create table webhook_deliveries (
  delivery_id text primary key check (char_length(delivery_id) between 1 and 200),
  task_id uuid references tasks (id) on delete set null,
  received_at timestamptz not null default now(),
  result jsonb not null default '{}'::jsonb
);
create index webhook_deliveries_received_idx on webhook_deliveries (received_at);

create table heartbeat_runs (
  id uuid primary key default gen_random_uuid(),
  trigger text not null check (trigger in ('cron', 'scheduler', 'manual')),
  instance text not null default '',
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_ms int not null check (duration_ms >= 0),
  actions jsonb not null default '[]'::jsonb,
  gateway_calls int not null default 0
);
create index heartbeat_runs_started_idx on heartbeat_runs (started_at desc);

create table approvals (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  requested_by_agent_id uuid references agents (id) on delete set null,
  action text not null check (action ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  args jsonb not null default '{}'::jsonb,
  target text not null default '' check (char_length(target) <= 500),
  reason text not null default '' check (char_length(reason) <= 2000),
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  status text not null default 'pending' check (status in ('pending', 'approved', 'denied', 'expired')),
  decided_by uuid references users (id) on delete set null,
  decided_by_policy text,
  decided_at timestamptz,
  comment text check (char_length(comment) <= 2000),
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index approvals_pending_idx on approvals (expires_at) where status = 'pending';
create index approvals_task_idx on approvals (task_id, created_at desc);

create table planning_questions (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  question text not null check (char_length(question) between 1 and 2000),
  options jsonb not null default '[]'::jsonb,
  answer text check (char_length(answer) <= 2000),
  answered_by uuid references users (id) on delete set null,
  answered_at timestamptz,
  created_at timestamptz not null default clock_timestamp()
);
create index planning_questions_task_idx on planning_questions (task_id, created_at);

-- Task-scoped agent tokens: each dispatch message carries one, so the agent
-- can call back without Mission Control ever holding its long-lived token in
-- clear. It acts as that agent for that one task only, and expires.
create table task_tokens (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  task_id uuid not null references tasks (id) on delete cascade,
  agent_id uuid not null references agents (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index task_tokens_task_idx on task_tokens (task_id);
create index task_tokens_expires_idx on task_tokens (expires_at);

create or replace function issue_task_token(p_token_hash text, p_task_id uuid, p_agent_id uuid, p_ttl_seconds int) returns jsonb
language plpgsql as $$
begin
  delete from task_tokens where expires_at < now();
  insert into task_tokens (token_hash, task_id, agent_id, expires_at)
  values (p_token_hash, p_task_id, p_agent_id, now() + make_interval(secs => p_ttl_seconds));
  return jsonb_build_object('ok', true);
end $$;

-- An agent's long-lived token, or a live task token (scoped to its task and
-- only while that task is still assigned to the same agent).
create or replace function authenticate_agent(p_token_hash text) returns jsonb
language sql stable as $$
  select coalesce(
    (select agent_json(a) || jsonb_build_object('scope_task_id', null) from agents a where a.api_token_hash = p_token_hash),
    (select agent_json(a) || jsonb_build_object('scope_task_id', k.task_id)
       from task_tokens k join agents a on a.id = k.agent_id join tasks t on t.id = k.task_id
      where k.token_hash = p_token_hash and k.expires_at > now() and t.assigned_agent_id = k.agent_id))
$$;
