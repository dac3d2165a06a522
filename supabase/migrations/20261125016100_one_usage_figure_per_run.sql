-- One usage figure per run, replay-proof completion webhooks, and tasks that
-- are closed to their agent once done or cancelled
-- (docs/decisions/015-one-figure-per-run-and-signed-deliveries.md).
--
-- usage_records is the ledger of figures: what counts towards a task's
-- totals, budgets, analytics and the Langfuse export. A run has at most one
-- figure (a unique index). The gateway's measurement is that figure; a
-- self-report (agent API, webhook) stands for the run only until the gateway
-- measures it. Every report that is not the figure is kept in usage_claims,
-- with its source, so what an agent said stays on record without counting.

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

-- A delivery is known by its content as well as by its id: the same
-- completion for the same run, resent with a new timestamp or a new id, is
-- the same delivery.
alter table webhook_deliveries add column content_key text;
create unique index webhook_deliveries_content_key on webhook_deliveries (content_key) where content_key is not null;

-- The task's totals are the sum of its figures, recomputed (not added to), so
-- a figure that replaces another cannot leave the totals off.
create or replace function refresh_task_usage(p_task_id uuid) returns void
language sql as $$
  update tasks t set token_usage = s.tokens, estimated_cost = s.cost, cost_provenance = s.provenance
  from (select coalesce(sum(u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens), 0) as tokens,
               coalesce(sum(u.cost_usd), 0) as cost,
               (array_agg(u.provenance order by provenance_rank(u.provenance) desc))[1] as provenance
        from usage_records u where u.task_id = p_task_id) s
  where t.id = p_task_id
$$;

-- Keeps a report as a claim against the run's figure.
create or replace function add_usage_claim(p_figure_id uuid, p_report usage_records, p_reason text, p_reported_at timestamptz) returns uuid
language sql as $$
  insert into usage_claims (usage_id, task_id, agent_id, workspace_id, run_id, source, dedupe_key, model, input_tokens, output_tokens,
                            cache_read_tokens, cache_write_tokens, cost_usd, provenance, price_id, price_version, reason, reported_at)
  values (p_figure_id, p_report.task_id, p_report.agent_id, p_report.workspace_id, p_report.run_id, p_report.source, p_report.dedupe_key,
          p_report.model, p_report.input_tokens, p_report.output_tokens, p_report.cache_read_tokens, p_report.cache_write_tokens,
          p_report.cost_usd, p_report.provenance, p_report.price_id, p_report.price_version, p_reason, p_reported_at)
  returning id
$$;

-- Runs recorded more than once before this migration (the gateway's pull and
-- the agent's own report, or two self-reports): the gateway's record stays,
-- else the first; the others become claims.
create temp table usage_repeats on commit drop as
  select u.id, u.task_id, first_value(u.id) over w as keep_id, first_value(u.source) over w as keep_source,
         row_number() over w as n
  from usage_records u
  where u.run_id is not null and u.task_id is not null
  window w as (partition by u.task_id, u.run_id order by (u.source = 'gateway') desc, u.created_at, u.id);
delete from usage_repeats where n = 1;
select add_usage_claim(r.keep_id, u, case when r.keep_source = 'gateway' and u.source <> 'gateway' then 'superseded' else 'run_counted' end, u.created_at)
from usage_repeats r join usage_records u on u.id = r.id;
update budget_reservations b set usage_id = r.keep_id from usage_repeats r where b.usage_id = r.id;
delete from usage_records where id in (select id from usage_repeats);
select refresh_task_usage(t.task_id) from (select distinct task_id from usage_repeats) t;

create unique index usage_records_one_per_run on usage_records (task_id, run_id) where run_id is not null;
-- A report's key is its task's: one task's keys never collide with another's.
drop index usage_records_dedupe_key;
create unique index usage_records_dedupe_key on usage_records (task_id, source, dedupe_key) where dedupe_key is not null;

-- The pull no longer asks whether a run has usage: the gateway's figure is
-- recorded whatever the agent said (record_usage reconciles).
drop function if exists run_has_usage(text);

-- A done or cancelled task takes nothing more from its agent (activities,
-- deliverables, files, usage reports, status changes, completion reports).
-- The gateway's own measurement of a run is not the agent's word and is
-- still recorded (record_usage).
create or replace function refuse_closed_task_write(p_task tasks, p_writes text) returns void
language plpgsql as $$
begin
  if p_task.status in ('done', 'cancelled') then
    perform raise_app_error('conflict', format('The task is %s: it takes no more %s from its agent.', p_task.status, p_writes),
      jsonb_build_object('status', p_task.status));
  end if;
end $$;

-- What was approved is what ships: from review on, a task's deliverables are
-- what the reviewer sees (and what a review → done approval covers), so its
-- agent can no longer add to them; an operator sending the task back for
-- rework opens them again.
create or replace function refuse_frozen_deliverables(p_task tasks, p_writes text) returns void
language plpgsql as $$
begin
  perform refuse_closed_task_write(p_task, p_writes);
  if p_task.status = 'review' then
    perform raise_app_error('conflict',
      format('The task is in review: its deliverables are what the reviewer sees and what an approval ships, so it takes no more %s. An operator can send it back for rework.', p_writes),
      jsonb_build_object('status', p_task.status));
  end if;
end $$;

create or replace function agent_add_activity(p_agent_id uuid, p_task_id uuid, p_type text, p_message text, p_metadata jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_closed_task_write(v_task, 'activities');
  v_id := log_task_activity(p_task_id, p_type, p_message, p_metadata, agent_actor(p_agent_id));
  perform touch_task_activity(p_task_id);
  return jsonb_build_object('id', v_id, 'task_id', p_task_id);
end $$;

create or replace function agent_add_deliverable(p_agent_id uuid, p_task_id uuid, p_fields jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_d task_deliverables;
begin
  -- Locked, so a deliverable cannot slip in while the task moves to review.
  v_task := agent_owned_task(p_agent_id, p_task_id);
  select * into v_task from tasks where id = v_task.id for update;
  perform refuse_frozen_deliverables(v_task, 'deliverables');
  insert into task_deliverables (task_id, type, title, path, url, description, created_by_agent_id)
  values (p_task_id, p_fields->>'type', btrim(p_fields->>'title'), p_fields->>'path', p_fields->>'url',
          coalesce(p_fields->>'description', ''), p_agent_id)
  returning * into v_d;
  perform touch_task_activity(p_task_id);
  perform emit_event('deliverable.created', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
    jsonb_build_object('deliverable_id', v_d.id, 'type', v_d.type, 'title', v_d.title));
  return jsonb_build_object('id', v_d.id, 'type', v_d.type, 'title', v_d.title, 'path', v_d.path, 'url', v_d.url);
end $$;

-- Files become deliverables, so they follow the deliverables' rule. Asked
-- before an upload is read and again once it is stored.
create or replace function agent_check_file_upload(p_agent_id uuid, p_task_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_frozen_deliverables(v_task, 'files');
  return jsonb_build_object('task_id', v_task.id, 'status', v_task.status);
end $$;

-- The moves an agent may make itself: start its assigned task, or report it
-- done (the same effect as the webhook: testing, or review without a test step).
create or replace function agent_set_status(p_agent_id uuid, p_task_id uuid, p_status text, p_summary text)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_closed_task_write(v_task, 'status changes');
  if v_task.status = 'assigned' and p_status = 'in_progress' then
    update tasks set status = 'in_progress', last_activity_at = now(), dispatched_at = coalesce(dispatched_at, now())
    where id = p_task_id returning * into v_task;
    perform log_task_activity(p_task_id, 'status_changed', 'Moved from assigned to in_progress', jsonb_build_object('from', 'assigned', 'to', 'in_progress'), agent_actor(p_agent_id));
    perform emit_event('task.updated', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
      jsonb_build_object('title', v_task.title, 'status', 'in_progress', 'from_status', 'assigned', 'changed', '["status"]'::jsonb));
    return jsonb_build_object('id', v_task.id, 'changed', true, 'status', 'in_progress');
  end if;
  if p_status in ('testing', 'review') and v_task.status in ('in_progress', 'testing', 'review') then
    return complete_task(p_task_id, 'agent_api', p_summary, null, agent_actor(p_agent_id));
  end if;
  perform raise_app_error('conflict', format('An agent cannot move its task from %s to %s.', v_task.status, p_status),
    jsonb_build_object('from', v_task.status, 'to', p_status,
      'allowed', case v_task.status when 'assigned' then '["in_progress"]'::jsonb when 'in_progress' then '["testing","review"]'::jsonb else '[]'::jsonb end));
end $$;

create or replace function usage_source_label(p_source text) returns text
language sql immutable as $$
  select case p_source when 'gateway' then 'the gateway' when 'webhook' then 'the completion webhook' else 'the agent API' end
$$;

create or replace function usage_figure_label(p_tokens bigint, p_cost numeric) returns text
language sql immutable as $$
  select format('%s tokens (%s)', p_tokens, coalesce('$' || p_cost::text, 'no cost'))
$$;

create or replace function usage_record_tokens(p usage_records) returns bigint
language sql immutable as $$
  select p.input_tokens + p.output_tokens + p.cache_read_tokens + p.cache_write_tokens
$$;

-- Records one usage report, in one transaction with everything it changes.
-- Reports for one task are taken one at a time (the task's row lock):
-- - a repeat of a report already taken (same source and key, as figure or
--   claim) changes nothing: {recorded: false, duplicate: true};
-- - a self-report (agent API, webhook) for a done or cancelled task is
--   refused (conflict); the gateway's is not;
-- - a run's first report is its figure; the gateway's report replaces a
--   self-report that stood for the run (which becomes a claim, 'superseded');
--   any other report for a run that has its figure is kept as a claim
--   ('run_counted', {counted: false}) and adds nothing;
-- - a report without a run (the task was never dispatched) is its own figure.
-- A figure is priced (price_usage), the task's totals recomputed, the run's
-- budget reservation settled and budget warnings emitted. A claim that
-- disagrees with the figure leaves an activity on the task.
create or replace function record_usage(p_task_id uuid, p_source text, p_dedupe_key text, p_run_id text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_priced jsonb;
  v_report usage_records;
  v_figure usage_records;
  -- When a claim is kept: what it said, and the figure that counts instead.
  v_claim usage_records;
  v_counts usage_records;
  v_claim_id uuid;
  v_reason text;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if p_source <> 'gateway' then
    perform refuse_closed_task_write(v_task, 'usage reports');
  end if;
  if p_dedupe_key is not null
     and (exists (select 1 from usage_records where task_id = p_task_id and source = p_source and dedupe_key = p_dedupe_key)
          or exists (select 1 from usage_claims where task_id = p_task_id and source = p_source and dedupe_key = p_dedupe_key)) then
    return jsonb_build_object('recorded', false, 'duplicate', true);
  end if;
  v_priced := price_usage(p_usage, now());
  -- The report as a ledger row (by name, so a column added later stays null).
  v_report := jsonb_populate_record(null::usage_records, jsonb_build_object(
    'id', gen_random_uuid(), 'task_id', p_task_id, 'agent_id', v_task.assigned_agent_id, 'workspace_id', v_task.workspace_id,
    'session_key', v_task.session_key, 'run_id', p_run_id, 'source', p_source, 'dedupe_key', p_dedupe_key,
    'model', coalesce(p_usage->>'model', ''), 'input_tokens', coalesce((p_usage->>'input_tokens')::bigint, 0),
    'output_tokens', coalesce((p_usage->>'output_tokens')::bigint, 0), 'cache_read_tokens', coalesce((p_usage->>'cache_read_tokens')::bigint, 0),
    'cache_write_tokens', coalesce((p_usage->>'cache_write_tokens')::bigint, 0), 'created_at', now()) || v_priced);
  if p_run_id is not null then
    select * into v_figure from usage_records where task_id = p_task_id and run_id = p_run_id;
  end if;

  if v_figure.id is null then
    insert into usage_records (id, task_id, agent_id, workspace_id, session_key, run_id, source, dedupe_key, model,
                               input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd,
                               provenance, price_id, price_version, created_at)
    values (v_report.id, v_report.task_id, v_report.agent_id, v_report.workspace_id, v_report.session_key, v_report.run_id,
            v_report.source, v_report.dedupe_key, v_report.model, v_report.input_tokens, v_report.output_tokens,
            v_report.cache_read_tokens, v_report.cache_write_tokens, v_report.cost_usd, v_report.provenance,
            v_report.price_id, v_report.price_version, v_report.created_at);
  elsif p_source = 'gateway' and v_figure.source <> 'gateway' then
    -- The gateway measured a run an agent had reported: the measurement
    -- takes the figure's place (the same row, so the reservation it settled
    -- and its Langfuse generation are corrected in place); the report
    -- becomes a claim.
    v_reason := 'superseded';
    v_claim := v_figure;
    v_report.id := v_figure.id;
    v_counts := v_report;
    v_claim_id := add_usage_claim(v_figure.id, v_figure, v_reason, v_figure.created_at);
    update usage_records set (source, dedupe_key, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                              cost_usd, provenance, price_id, price_version, created_at, langfuse_exported_at)
      = (v_report.source, v_report.dedupe_key, v_report.model, v_report.input_tokens, v_report.output_tokens,
         v_report.cache_read_tokens, v_report.cache_write_tokens, v_report.cost_usd, v_report.provenance,
         v_report.price_id, v_report.price_version, v_report.created_at, null)
    where id = v_figure.id;
  else
    -- The run has its figure: this report is what was claimed, not what counts.
    v_reason := 'run_counted';
    v_claim := v_report;
    v_counts := v_figure;
    v_claim_id := add_usage_claim(v_figure.id, v_report, v_reason, now());
  end if;

  -- A claim that disagrees with the figure is worth an operator's glance
  -- (an agent that under-reports shows here).
  if v_reason is not null
     and (usage_record_tokens(v_claim) <> usage_record_tokens(v_counts) or v_claim.cost_usd is distinct from v_counts.cost_usd) then
    perform log_task_activity(p_task_id, 'usage_claim',
      format('Usage for run %s: %s reported %s; %s figure, %s, is the one that counts.', p_run_id,
             usage_source_label(v_claim.source), usage_figure_label(usage_record_tokens(v_claim), v_claim.cost_usd),
             usage_source_label(v_counts.source) || '''s', usage_figure_label(usage_record_tokens(v_counts), v_counts.cost_usd)),
      jsonb_build_object('run_id', p_run_id, 'claim_id', v_claim_id, 'usage_id', v_figure.id, 'reason', v_reason),
      '{"type":"system","name":"ledger"}'::jsonb);
  end if;
  if v_reason = 'run_counted' then
    return jsonb_build_object('recorded', true, 'counted', false, 'id', v_claim_id, 'tokens', usage_record_tokens(v_report),
                              'cost_usd', v_report.cost_usd, 'provenance', v_report.provenance, 'price_version', v_report.price_version,
                              'counted_source', v_figure.source);
  end if;

  perform refresh_task_usage(p_task_id);
  perform settle_budget_reservation(p_task_id, v_report.id, v_report.cost_usd);
  perform check_budget_warnings(v_task);
  perform emit_event('usage.recorded', v_task.workspace_id, v_task.id, v_task.assigned_agent_id,
    jsonb_build_object('type', case when p_source = 'gateway' then 'system' else 'agent' end, 'name', p_source),
    jsonb_build_object('usage_id', v_report.id, 'source', p_source, 'tokens', usage_record_tokens(v_report), 'cost_usd', v_report.cost_usd,
                       'model', p_usage->>'model', 'provenance', v_report.provenance, 'price_version', v_report.price_version,
                       'replaced', v_claim.source));
  return jsonb_build_object('recorded', true, 'counted', true, 'id', v_report.id, 'tokens', usage_record_tokens(v_report),
                            'cost_usd', v_report.cost_usd, 'provenance', v_report.provenance, 'price_version', v_report.price_version,
                            'replaced', v_claim.source);
end $$;

-- The signed webhook's effect in one transaction. A delivery is known by its
-- signed id (when the sender signed one) and always by its content: the
-- SHA-256 of the body's canonical JSON, with the task's current run. Either
-- seen before answers {duplicate: true} and changes nothing, so a replay, a
-- retry with a new timestamp or a new id, or a copy without an id completes
-- nothing and records no usage a second time. An unknown task is not_found;
-- a done or cancelled one is a conflict (nothing recorded).
drop function if exists apply_completion_webhook(text, uuid, text, jsonb);

create or replace function apply_completion_webhook(p_delivery_id text, p_content_sha256 text, p_task_id uuid, p_summary text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_result jsonb;
  v_task tasks;
  v_content text;
  v_key text;
begin
  if p_content_sha256 is null or p_content_sha256 !~ '^[0-9a-f]{64}$' then
    perform raise_app_error('invalid', 'A completion needs the SHA-256 of its content.');
  end if;
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'No task with that id.');
  end if;
  v_content := encode(sha256(convert_to(p_content_sha256 || ':' || coalesce(v_task.current_run_id, ''), 'UTF8')), 'hex');
  v_key := coalesce(p_delivery_id, 'content:' || v_content);
  insert into webhook_deliveries (delivery_id, content_key, task_id) values (v_key, v_content, p_task_id) on conflict do nothing;
  if not found then
    return jsonb_build_object('duplicate', true);
  end if;
  perform refuse_closed_task_write(v_task, 'completion reports');
  v_result := complete_task(p_task_id, 'webhook', p_summary, null,
    jsonb_build_object('type', 'agent', 'id', v_task.assigned_agent_id, 'name', 'completion webhook'));
  if p_usage is not null then
    v_result := v_result || jsonb_build_object('usage', record_usage(p_task_id, 'webhook', v_key, v_task.current_run_id, p_usage));
  end if;
  update webhook_deliveries set result = v_result where delivery_id = v_key;
  return v_result;
end $$;
