-- The schema's tables, constraints, indexes and seed rows, as of the first
-- release. Functions and trigger bindings are not here: they live in
-- supabase/sql/ (one file per area), which the runner applies after the
-- versioned migrations whenever a file changes. A later change to a table is
-- a new file in this folder; this one is never edited.

-- ---------------------------------------------------------------------------
-- Workspaces
-- ---------------------------------------------------------------------------

create table workspaces (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  icon text not null default '🛰️' check (char_length(icon) between 1 and 8),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- ---------------------------------------------------------------------------
-- Users, sessions, sign-in limits and set-up links
-- ---------------------------------------------------------------------------

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and char_length(email) between 3 and 254 and position('@' in email) > 1),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  role text not null check (role in ('viewer', 'operator', 'approver', 'admin')),
  password_hash text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  disabled_at timestamptz
);

create unique index users_email_key on users (email);

-- The cookie carries a random token; only its SHA-256 is stored.
create table sessions (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text check (char_length(user_agent) <= 400)
);

create index sessions_user_id_idx on sessions (user_id);

create index sessions_expires_at_idx on sessions (expires_at);

-- Small key/value store for instance state (nothing uses it at present).
create table app_settings (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);

-- Shared rate-limit counters for instances on one PostgreSQL database
-- (rate-limiter-flexible's Postgres store layout; expire is epoch ms).
create table rate_limits (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);

create index rate_limits_expire_idx on rate_limits (expire);

-- Set-up links: every instance that starts while no user exists prints a
-- link of its own, and each stays valid until it expires or the first admin
-- is created (which voids them all).
create table setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

alter table setup_tokens enable row level security;

-- ---------------------------------------------------------------------------
-- Agents
-- ---------------------------------------------------------------------------

create table agents (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete restrict,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  role text not null default '' check (char_length(role) <= 200),
  emoji text not null default '🤖' check (char_length(emoji) between 1 and 8),
  model text not null default '' check (char_length(model) <= 200),
  openclaw_agent_id text check (openclaw_agent_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  status text not null default 'standby' check (status in ('standby', 'working', 'offline')),
  autonomy_level text not null default 'hitl' check (autonomy_level in ('hitl', 'hotl', 'autonomous')),
  -- SHA-256 of the agent's bearer token; the token itself is shown once.
  api_token_hash text unique check (api_token_hash ~ '^[0-9a-f]{64}$'),
  api_token_hint text check (char_length(api_token_hint) <= 16),
  api_token_created_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- (workspace_id, id) lets tasks reference an agent of their own workspace only.
create unique index agents_workspace_id_key on agents (workspace_id, id);

create index agents_workspace_idx on agents (workspace_id, name);

create unique index agents_workspace_name_key on agents (workspace_id, lower(name));

-- ---------------------------------------------------------------------------
-- Task types, pipelines and model prices: what a task and its usage refer to
-- ---------------------------------------------------------------------------

create table task_types (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  risk text not null check (risk in ('low', 'medium', 'high')),
  default_autonomy text not null check (default_autonomy in ('hitl', 'hotl', 'autonomous')),
  gated_actions text[] not null default '{agent_action}'
    check (gated_actions <@ array['dispatch', 'stage_advance', 'review_done', 'agent_action']::text[]),
  veto_minutes int not null default 10 check (veto_minutes between 1 and 1440),
  expiry_policy text not null default 'deny' check (expiry_policy in ('deny', 'escalate')),
  -- High risk is never autonomous, here as in app/domain/autonomy.ts.
  constraint task_types_high_risk_not_autonomous check (risk <> 'high' or default_autonomy <> 'autonomous'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

insert into task_types (key, name, risk, default_autonomy, gated_actions, veto_minutes, expiry_policy) values
  ('research', 'Research', 'low', 'autonomous', '{agent_action}', 10, 'deny'),
  ('code_change', 'Code change', 'medium', 'hotl', '{agent_action,review_done}', 10, 'deny'),
  ('deploy', 'Deploy', 'high', 'hitl', '{dispatch,agent_action,review_done}', 10, 'escalate'),
  ('outbound_message', 'Outbound message', 'high', 'hitl', '{agent_action,review_done}', 10, 'escalate');

create table pipelines (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  description text not null default '' check (char_length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);

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

alter table pipeline_stages enable row level security;

create table model_prices (
  id uuid primary key default gen_random_uuid(),
  model text not null check (model ~ '^[a-z0-9][a-z0-9._:/@-]{0,199}$'),
  version int not null check (version >= 1),
  -- USD per million tokens.
  input_usd_per_mtok numeric(12, 6) not null default 0 check (input_usd_per_mtok >= 0),
  output_usd_per_mtok numeric(12, 6) not null default 0 check (output_usd_per_mtok >= 0),
  cache_read_usd_per_mtok numeric(12, 6) not null default 0 check (cache_read_usd_per_mtok >= 0),
  cache_write_usd_per_mtok numeric(12, 6) not null default 0 check (cache_write_usd_per_mtok >= 0),
  -- Subscription models: tokens are counted, no dollars are invented.
  included boolean not null default false,
  effective_from timestamptz not null,
  note text not null default '' check (char_length(note) <= 500),
  created_by jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (model, version)
);

create index model_prices_lookup_idx on model_prices (model, effective_from desc, version desc);

alter table model_prices enable row level security;

-- Public list prices at seeding time (2025), for a first estimate; admins add
-- a new version when a provider changes its prices.
insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok, effective_from, note, created_by)
values
  ('claude-sonnet-4', 1, 3, 15, 0.30, 3.75, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-sonnet-4-20250514', 1, 3, 15, 0.30, 3.75, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-3-5-haiku', 1, 0.80, 4, 0.08, 1, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-3-5-haiku-20241022', 1, 0.80, 4, 0.08, 1, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('gpt-4o', 1, 2.50, 10, 1.25, 0, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('gpt-4o-mini', 1, 0.15, 0.60, 0.075, 0, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}');

-- ---------------------------------------------------------------------------
-- Tasks
-- ---------------------------------------------------------------------------

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
  -- Planning, dispatch and the run in progress.
  test_step boolean not null default true,
  planning_spec jsonb,
  session_key text check (char_length(session_key) <= 200),
  current_run_id text check (char_length(current_run_id) <= 200),
  -- Successful dispatches so far; the next dispatch's idempotency key uses it,
  -- so a retry after a crash re-sends the same key and never starts a twin run.
  dispatch_count int not null default 0,
  dispatch_attempts int not null default 0 check (dispatch_attempts >= 0),
  next_dispatch_at timestamptz,
  claimed_until timestamptz,
  lease_expires_at timestamptz,
  dispatched_at timestamptz,
  last_dispatch_error text check (char_length(last_dispatch_error) <= 2000),
  last_activity_at timestamptz not null default now(),
  stall_flagged_at timestamptz,
  completed_at timestamptz,
  task_type_id uuid references task_types (id) on delete set null,
  -- How sure the task's cost figure is, the weakest of its records:
  -- unpriced > estimated > reported > included. Kept by record_usage only.
  cost_provenance text check (cost_provenance in ('reported', 'estimated', 'included', 'unpriced')),
  pipeline_id uuid references pipelines (id) on delete restrict,
  stage_id uuid references pipeline_stages (id) on delete restrict,
  -- The assignee belongs to the task's own workspace.
  constraint tasks_assignee_fkey foreign key (workspace_id, assigned_agent_id)
    references agents (workspace_id, id) on delete set null (assigned_agent_id),
  -- An agent must be named before work is handed to it.
  constraint tasks_assignee_required check (status not in ('assigned', 'in_progress') or assigned_agent_id is not null),
  constraint tasks_stage_with_pipeline check ((pipeline_id is null) = (stage_id is null))
);

-- The board reads one workspace's column at a time, newest first.
create index tasks_board_idx on tasks (workspace_id, status, priority_rank, updated_at desc);

create index tasks_board_closed_idx on tasks (workspace_id, status, updated_at desc) where status in ('done', 'cancelled');

create index tasks_assignee_idx on tasks (assigned_agent_id, status) where assigned_agent_id is not null;

create index tasks_dispatch_ready_idx on tasks (priority_rank, created_at) where status = 'assigned';

create index tasks_in_progress_idx on tasks (lease_expires_at) where status = 'in_progress';

create index tasks_testing_idx on tasks (status_changed_at) where status = 'testing';

create unique index tasks_session_key_idx on tasks (session_key) where session_key is not null;

create index tasks_stage_idx on tasks (stage_id, status) where stage_id is not null;

-- Tasks that reached done, by when: the agent performance period filter.
create index tasks_done_at_idx on tasks (workspace_id, status_changed_at) where status = 'done';

-- The board's sort order (get_board), so each column, the done column of a
-- mature workspace included, is a short index range scan: 8 ms at 20,000
-- tasks instead of 28 ms for a full read and sort (measured by `npm run bench`).
-- get_board must sort by this same expression over the task's own status.
create index tasks_board_order_idx on tasks
  (workspace_id, status, (case when status in ('done', 'cancelled') then 0 else priority_rank end), updated_at desc, id);

-- "Needs you" (get_needs_you) reads only its few candidates: tasks with an
-- alert (this small partial index) and tasks with a pending approval
-- (approvals_pending_idx); under 1 ms at 20,000 tasks instead of 23 ms for a
-- sequential scan.
create index tasks_alert_idx on tasks (workspace_id) where alert_reason is not null;

-- The heartbeat's stall check reads the oldest quiet tasks in progress; with
-- this index it reads just those instead of every task in progress (5 ms →
-- 0.6 ms with 4,000 tasks in progress, measured by `npm run bench`).
create index tasks_stall_idx on tasks (last_activity_at) where status = 'in_progress' and stall_flagged_at is null;

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

-- The few activity types the figures read (hand-ins, rework, first dispatch),
-- per task in time order.
create index task_activities_flow_idx on task_activities (task_id, created_at)
  where type in ('dispatched', 'status_changed', 'completed', 'checks_fail');

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

-- ---------------------------------------------------------------------------
-- Events
-- ---------------------------------------------------------------------------

-- Append-only event log; seq is the SSE id. Writers go through emit_event
-- and take seqs without a lock, so a seq can commit after a larger one;
-- readers go through get_settled_events, which waits out such holes, so a
-- reader that has seen seq N never later finds a smaller one appear.
create table events (
  seq bigserial primary key,
  type text not null check (type ~ '^[a-z]+\.[a-z_]+$'),
  workspace_id uuid,
  task_id uuid,
  agent_id uuid,
  actor_type text not null check (actor_type in ('user', 'agent', 'system')),
  actor_id uuid,
  actor_name text not null default '',
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

create index events_workspace_seq_idx on events (workspace_id, seq);

create index events_created_at_idx on events (created_at);

-- ---------------------------------------------------------------------------
-- Governance: approvals and standing grants
-- ---------------------------------------------------------------------------

create table approvals (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  requested_by_agent_id uuid references agents (id) on delete set null,
  action text not null check (action ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  args jsonb not null default '{}'::jsonb,
  target text not null default '' check (char_length(target) <= 500),
  reason text not null default '' check (char_length(reason) <= 2000),
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  status text not null default 'pending' check (status in ('pending', 'approved', 'denied', 'expired', 'cancelled')),
  decided_by uuid references users (id) on delete set null,
  decided_by_policy text,
  decided_at timestamptz,
  comment text check (char_length(comment) <= 2000),
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  requested_by_user_id uuid references users (id) on delete set null,
  mode text not null default 'hitl' check (mode in ('hitl', 'hotl', 'policy')),
  veto_until timestamptz,
  escalated_at timestamptz
);

create index approvals_pending_idx on approvals (expires_at) where status = 'pending';

create index approvals_task_idx on approvals (task_id, created_at desc);

-- Approvals per workspace period go through tasks; this keeps the time filter on the index.
create index approvals_created_idx on approvals (created_at);

create table standing_grants (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  action text not null check (char_length(action) between 1 and 200),
  approval_id uuid references approvals (id) on delete set null,
  granted_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by uuid references users (id) on delete set null
);

create unique index standing_grants_live_idx on standing_grants (task_id, action) where revoked_at is null;

alter table standing_grants enable row level security;

-- ---------------------------------------------------------------------------
-- Where a task on a pipeline has been
-- ---------------------------------------------------------------------------

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

-- ---------------------------------------------------------------------------
-- Audit log
-- ---------------------------------------------------------------------------

create table audit_log (
  seq bigserial primary key,
  at timestamptz not null default clock_timestamp(),
  kind text not null check (kind ~ '^[a-z_]+\.[a-z_]+$'),
  actor jsonb not null,
  subject jsonb not null default '{}'::jsonb,
  data jsonb not null default '{}'::jsonb,
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
);

-- ---------------------------------------------------------------------------
-- The agent plane: usage, deliveries, planning, task tokens, testing claims
-- ---------------------------------------------------------------------------

create table usage_records (
  id uuid primary key default gen_random_uuid(),
  task_id uuid references tasks (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  workspace_id uuid references workspaces (id) on delete cascade,
  session_key text,
  run_id text,
  source text not null check (source in ('webhook', 'agent_api', 'gateway')),
  -- One record per task, source and key (the run id, or the delivery id): repeats change nothing.
  dedupe_key text,
  model text not null default '' check (char_length(model) <= 200),
  input_tokens bigint not null default 0 check (input_tokens >= 0),
  output_tokens bigint not null default 0 check (output_tokens >= 0),
  cache_read_tokens bigint not null default 0 check (cache_read_tokens >= 0),
  cache_write_tokens bigint not null default 0 check (cache_write_tokens >= 0),
  cost_usd numeric(14, 6) check (cost_usd >= 0),
  provenance text not null default 'reported' check (provenance in ('reported', 'estimated', 'included', 'unpriced')),
  created_at timestamptz not null default now(),
  price_id uuid references model_prices (id) on delete restrict,
  price_version int,

  langfuse_exported_at timestamptz
);

create unique index usage_records_dedupe_key on usage_records (task_id, source, dedupe_key) where dedupe_key is not null;

create unique index usage_records_one_per_run on usage_records (task_id, run_id) where run_id is not null;

create index usage_records_task_idx on usage_records (task_id, created_at);

create index usage_records_workspace_time_idx on usage_records (workspace_id, created_at);

create index usage_records_agent_time_idx on usage_records (agent_id, created_at);

-- Indexes for the cost and analytics aggregates (docs/ANALYTICS.md).
-- usage_records already has (workspace_id, created_at) for one workspace's
-- window; the cross-workspace overview reads every workspace's last 30 days.
create index usage_records_created_idx on usage_records (created_at);

create index usage_records_langfuse_pending_idx on usage_records (created_at, id) where langfuse_exported_at is null;

create table usage_claims (
  id uuid primary key default gen_random_uuid(),
  -- The run's figure this report was weighed against.
  usage_id uuid references usage_records (id) on delete set null,
  task_id uuid references tasks (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  workspace_id uuid references workspaces (id) on delete cascade,
  run_id text,
  source text not null check (source in ('webhook', 'agent_api', 'gateway')),
  dedupe_key text,
  model text not null default '' check (char_length(model) <= 200),
  input_tokens bigint not null default 0 check (input_tokens >= 0),
  output_tokens bigint not null default 0 check (output_tokens >= 0),
  cache_read_tokens bigint not null default 0 check (cache_read_tokens >= 0),
  cache_write_tokens bigint not null default 0 check (cache_write_tokens >= 0),
  cost_usd numeric(14, 6) check (cost_usd >= 0),
  provenance text not null check (provenance in ('reported', 'estimated', 'included', 'unpriced')),
  price_id uuid references model_prices (id) on delete restrict,
  price_version int,
  -- superseded: it was the run's figure until the gateway measured the run;
  -- run_counted: the run already had its figure when it arrived.
  reason text not null check (reason in ('superseded', 'run_counted')),
  reported_at timestamptz not null,
  created_at timestamptz not null default now()
);

create unique index usage_claims_dedupe_key on usage_claims (task_id, source, dedupe_key) where dedupe_key is not null;

create index usage_claims_task_idx on usage_claims (task_id, created_at);

alter table usage_claims enable row level security;

create table webhook_deliveries (
  delivery_id text primary key check (char_length(delivery_id) between 1 and 200),
  task_id uuid references tasks (id) on delete set null,
  received_at timestamptz not null default now(),
  result jsonb not null default '{}'::jsonb,
  -- A delivery is known by its content as well as by its id: the same
  -- completion for the same run, resent with a new timestamp or a new id, is
  -- the same delivery.
  content_key text
);

create index webhook_deliveries_received_idx on webhook_deliveries (received_at);

create unique index webhook_deliveries_content_key on webhook_deliveries (content_key) where content_key is not null;

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

-- The testing stage renders untrusted pages, which can take as long as its
-- time budget allows, so it runs outside the heartbeat's lock. Each task's
-- check is claimed first: a claim names its holder (one heartbeat run), the
-- moment the task entered testing (a task that left testing and came back is
-- a new check) and when the claim lapses (a holder that died lets another run
-- take the task over). Two runs never check the same task at once.
create table testing_claims (
  task_id uuid primary key references tasks (id) on delete cascade,
  holder text not null,
  testing_since timestamptz not null,
  expires_at timestamptz not null
);

alter table testing_claims enable row level security;

-- One row: who runs the heartbeat and until when. A holder that dies simply
-- lets its lease expire; a live one renews it while it works.
create table heartbeat_lease (
  id boolean primary key default true check (id),
  holder text,
  expires_at timestamptz not null default '-infinity'
);

insert into heartbeat_lease (id) values (true) on conflict (id) do nothing;

-- ---------------------------------------------------------------------------
-- Budgets
-- ---------------------------------------------------------------------------

create table budgets (
  id uuid primary key default gen_random_uuid(),
  scope text not null check (scope in ('workspace', 'agent', 'task')),
  -- The workspace, agent or task the budget limits.
  subject_id uuid not null,
  workspace_id uuid not null references workspaces (id) on delete cascade,
  daily_limit_usd numeric(14, 6) check (daily_limit_usd >= 0),
  total_limit_usd numeric(14, 6) check (total_limit_usd >= 0),
  -- What one dispatch reserves when the agent has no cost history yet.
  reserve_usd numeric(14, 6) check (reserve_usd > 0),
  updated_by jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (scope, subject_id),
  check (daily_limit_usd is not null or total_limit_usd is not null)
);

create index budgets_workspace_idx on budgets (workspace_id);

alter table budgets enable row level security;

create table budget_reservations (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  agent_id uuid references agents (id) on delete set null,
  workspace_id uuid not null references workspaces (id) on delete cascade,
  amount_usd numeric(14, 6) not null check (amount_usd >= 0),
  basis text not null check (basis in ('agent_average', 'budget_reserve', 'default')),
  status text not null default 'open' check (status in ('open', 'settled', 'released')),
  usage_id uuid references usage_records (id) on delete set null,
  close_reason text,
  created_at timestamptz not null default now(),
  closed_at timestamptz
);

-- One open reservation per task: a new claim first releases a stale one.
create unique index budget_reservations_open_task_idx on budget_reservations (task_id) where status = 'open';

create index budget_reservations_open_ws_idx on budget_reservations (workspace_id) where status = 'open';

alter table budget_reservations enable row level security;

-- One warning per budget, period, period start and limit: crossing 80% again
-- after the limit changed is a new crossing.
create table budget_warnings (
  budget_id uuid not null references budgets (id) on delete cascade,
  period text not null check (period in ('daily', 'total')),
  period_start timestamptz not null,
  limit_usd numeric(14, 6) not null,
  spent_usd numeric(14, 6) not null,
  created_at timestamptz not null default now(),
  primary key (budget_id, period, period_start, limit_usd)
);

alter table budget_warnings enable row level security;

-- ---------------------------------------------------------------------------
-- Supabase: nothing reachable with the public anon key
-- ---------------------------------------------------------------------------

-- Only where the anon role exists (Supabase): PostgREST exposes the public
-- schema to anyone holding the project's public anon key. Keep the tables to
-- the service role (and the owner, which the app uses over DATABASE_URL):
-- row-level security with no policies on every table above. (The functions:
-- 20261201000300_function_privileges.sql.) A table added by a later migration
-- needs its own `enable row level security`. Plain PostgreSQL and the embedded
-- database are left as they are.
do $$
declare
  v_table text;
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    return;
  end if;
  for v_table in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'public' and c.relkind in ('r', 'p') loop
    execute format('alter table public.%I enable row level security', v_table);
  end loop;
  execute 'revoke all on all tables in schema public from anon, authenticated';
  execute 'revoke all on all sequences in schema public from anon, authenticated';
  execute 'alter default privileges in schema public revoke all on tables from anon, authenticated';
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant all on all tables in schema public to service_role';
    execute 'grant all on all sequences in schema public to service_role';
    execute 'alter default privileges in schema public grant all on tables to service_role';
    execute 'alter default privileges in schema public grant all on sequences to service_role';
  end if;
end $$;
