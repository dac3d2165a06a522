-- Costs and budgets: the versioned price table, pricing usage exactly as
-- app/domain/costs.ts does, the usage ledger with one figure per run (the
-- gateway's measurement over a self-report; the rest become claims),
-- budgets with dispatch reservations and warnings, and the Langfuse export.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

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
    -- The actor by name: the reporting agent, or the system part that measured.
    case when p_source = 'agent_api'
         then coalesce((select jsonb_build_object('type', 'agent', 'id', a.id, 'name', a.name) from agents a where a.id = v_task.assigned_agent_id),
                       '{"type":"agent","name":"agent"}'::jsonb)
         else jsonb_build_object('type', case when p_source = 'gateway' then 'system' else 'agent' end,
                                 'name', case p_source when 'webhook' then 'completion webhook' else p_source end)
    end,
    jsonb_build_object('usage_id', v_report.id, 'source', p_source, 'tokens', usage_record_tokens(v_report), 'cost_usd', v_report.cost_usd,
                       'model', p_usage->>'model', 'provenance', v_report.provenance, 'price_version', v_report.price_version,
                       'replaced', v_claim.source));
  return jsonb_build_object('recorded', true, 'counted', true, 'id', v_report.id, 'tokens', usage_record_tokens(v_report),
                            'cost_usd', v_report.cost_usd, 'provenance', v_report.provenance, 'price_version', v_report.price_version,
                            'replaced', v_claim.source);
end $$;

create or replace function prevent_price_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'model prices are never changed in place: add a new version' using errcode = 'P0001', hint = 'conflict';
end $$;

create or replace function normalize_model_name(p_model text) returns text
language sql immutable as $$
  select lower(btrim(coalesce(p_model, '')))
$$;

-- The price row in effect for a model at a time (null fields when none).
create or replace function price_for_model(p_model text, p_at timestamptz) returns model_prices
language sql stable as $$
  select p.* from model_prices p
  join (values (1, normalize_model_name(p_model)),
               (2, regexp_replace(normalize_model_name(p_model), '^.*/', ''))) n(ord, name) on p.model = n.name
  where p.effective_from <= p_at
  order by n.ord, p.effective_from desc, p.version desc
  limit 1
$$;

-- Cost of one report at one price row: USD, rounded to 6 decimals (half away
-- from zero, as numeric round does and app/domain/costs.ts mirrors).
create or replace function usage_cost(p_price model_prices, p_usage jsonb) returns numeric
language sql immutable as $$
  select round((coalesce((p_usage->>'input_tokens')::numeric, 0) * p_price.input_usd_per_mtok
              + coalesce((p_usage->>'output_tokens')::numeric, 0) * p_price.output_usd_per_mtok
              + coalesce((p_usage->>'cache_read_tokens')::numeric, 0) * p_price.cache_read_usd_per_mtok
              + coalesce((p_usage->>'cache_write_tokens')::numeric, 0) * p_price.cache_write_usd_per_mtok) / 1000000, 6)
$$;

-- What a report costs and where the figure comes from: included (subscription
-- model: no dollars, even if some were reported), reported, estimated from the
-- price table (with its version), or unpriced (no cost and no known price).
create or replace function price_usage(p_usage jsonb, p_at timestamptz) returns jsonb
language plpgsql stable as $$
declare
  v_price model_prices;
  v_reported numeric := round((p_usage->>'cost_usd')::numeric, 6);
begin
  v_price := price_for_model(p_usage->>'model', p_at);
  if v_price.included then
    return jsonb_build_object('cost_usd', null, 'provenance', 'included', 'price_id', v_price.id, 'price_version', v_price.version);
  elsif v_reported is not null then
    return jsonb_build_object('cost_usd', v_reported, 'provenance', 'reported', 'price_id', null, 'price_version', null);
  elsif v_price.id is not null then
    return jsonb_build_object('cost_usd', usage_cost(v_price, p_usage), 'provenance', 'estimated', 'price_id', v_price.id, 'price_version', v_price.version);
  end if;
  return jsonb_build_object('cost_usd', null, 'provenance', 'unpriced', 'price_id', null, 'price_version', null);
end $$;

-- For the admin page and the SQL-vs-domain cross-check.
create or replace function estimate_usage_cost(p_usage jsonb, p_at timestamptz default null) returns jsonb
language sql stable as $$
  select price_usage(p_usage, coalesce(p_at, now()))
$$;

create or replace function provenance_rank(p text) returns int
language sql immutable as $$
  select case p when 'included' then 1 when 'reported' then 2 when 'estimated' then 3 when 'unpriced' then 4 else 0 end
$$;

create or replace function list_model_prices() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', p.id, 'model', p.model, 'version', p.version,
    'input_usd_per_mtok', p.input_usd_per_mtok, 'output_usd_per_mtok', p.output_usd_per_mtok,
    'cache_read_usd_per_mtok', p.cache_read_usd_per_mtok, 'cache_write_usd_per_mtok', p.cache_write_usd_per_mtok,
    'included', p.included, 'effective_from', p.effective_from, 'note', p.note, 'created_at', p.created_at,
    'current', p.id = (price_for_model(p.model, now())).id)
    order by p.model, p.version desc), '[]'::jsonb)
  from model_prices p
$$;

-- Adds a model or a new price version of one (never edits an old one). A new
-- version may not take effect before the version it follows.
create or replace function add_model_price(p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_model text := normalize_model_name(p_fields->>'model');
  v_from timestamptz := coalesce((p_fields->>'effective_from')::timestamptz, now());
  v_last model_prices;
  v_row model_prices;
begin
  if v_model !~ '^[a-z0-9][a-z0-9._:/@-]{0,199}$' then
    perform raise_app_error('invalid', 'A model name is letters, digits and . _ : / @ -.', jsonb_build_object('fields', jsonb_build_object('model', 'Use letters, digits and . _ : / @ -')));
  end if;
  perform pg_advisory_xact_lock(hashtext('mc.model_prices:' || v_model));
  select * into v_last from model_prices where model = v_model order by version desc limit 1;
  if v_last.id is not null and v_from < v_last.effective_from then
    perform raise_app_error('invalid', format('Version %s of %s takes effect %s; a new version cannot take effect before it.', v_last.version, v_model, v_last.effective_from),
      jsonb_build_object('fields', jsonb_build_object('effective_from', 'Must not be before the current version''s start')));
  end if;
  insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok,
                            included, effective_from, note, created_by)
  values (v_model, coalesce(v_last.version, 0) + 1,
          coalesce((p_fields->>'input_usd_per_mtok')::numeric, 0), coalesce((p_fields->>'output_usd_per_mtok')::numeric, 0),
          coalesce((p_fields->>'cache_read_usd_per_mtok')::numeric, 0), coalesce((p_fields->>'cache_write_usd_per_mtok')::numeric, 0),
          coalesce((p_fields->>'included')::boolean, false), v_from, coalesce(p_fields->>'note', ''), coalesce(p_actor, '{}'::jsonb))
  returning * into v_row;
  perform append_audit('model_price.added', p_actor, jsonb_build_object('model', v_model, 'version', v_row.version),
    to_jsonb(v_row) - 'created_by' - 'created_at');
  return jsonb_build_object('id', v_row.id, 'model', v_row.model, 'version', v_row.version);
end $$;

-- The default per-dispatch reserve when neither history nor budget says.
create or replace function default_dispatch_reserve() returns numeric
language sql immutable as $$ select 0.50::numeric $$;

create or replace function utc_day_start(p_at timestamptz default now()) returns timestamptz
language sql immutable as $$
  select date_trunc('day', p_at at time zone 'UTC') at time zone 'UTC'
$$;

create or replace function budget_spent(p_scope text, p_subject_id uuid, p_since timestamptz) returns numeric
language sql stable as $$
  select coalesce(sum(u.cost_usd), 0) from usage_records u
  where u.cost_usd is not null and u.created_at >= coalesce(p_since, '-infinity'::timestamptz)
    and case p_scope when 'workspace' then u.workspace_id = p_subject_id
                     when 'agent' then u.agent_id = p_subject_id
                     else u.task_id = p_subject_id end
$$;

-- Open reservations count against both the daily and the total limit.
create or replace function budget_reserved(p_scope text, p_subject_id uuid) returns numeric
language sql stable as $$
  select coalesce(sum(r.amount_usd), 0) from budget_reservations r
  where r.status = 'open'
    and case p_scope when 'workspace' then r.workspace_id = p_subject_id
                     when 'agent' then r.agent_id = p_subject_id
                     else r.task_id = p_subject_id end
$$;

create or replace function budgets_for_task(p_task tasks) returns setof budgets
language sql stable as $$
  select * from budgets
  where (scope = 'workspace' and subject_id = p_task.workspace_id)
     or (scope = 'agent' and subject_id = p_task.assigned_agent_id)
     or (scope = 'task' and subject_id = p_task.id)
  order by id
$$;

-- Expected cost of the next run: the agent's average priced run over its
-- last 20, else the largest reserve configured on the budgets, else the default.
create or replace function expected_run_cost(p_task tasks) returns jsonb
language sql stable as $$
  with runs as (
    select sum(u.cost_usd) as cost from usage_records u
    where u.agent_id = p_task.assigned_agent_id and u.run_id is not null and u.cost_usd is not null
    group by u.run_id order by max(u.created_at) desc limit 20
  ), avg_run as (select round(avg(cost), 6) as amount from runs),
  configured as (select max(reserve_usd) as amount from budgets_for_task(p_task))
  select case
    when (select amount from avg_run) is not null then jsonb_build_object('amount', (select amount from avg_run), 'basis', 'agent_average')
    when (select amount from configured) is not null then jsonb_build_object('amount', (select amount from configured), 'basis', 'budget_reserve')
    else jsonb_build_object('amount', default_dispatch_reserve(), 'basis', 'default') end
$$;

create or replace function budget_label(p_budget budgets) returns text
language sql stable as $$
  select case p_budget.scope
    when 'workspace' then format('Workspace "%s"', (select name from workspaces where id = p_budget.subject_id))
    when 'agent' then format('Agent "%s"', (select name from agents where id = p_budget.subject_id))
    else 'Task' end
$$;

-- Reserves the expected cost of a dispatch of one (locked) task against every
-- budget that applies. The caller holds the budget row locks. Returns true
-- when it fits (or no budget applies); otherwise marks the task
-- budget_exceeded with a message naming the budget and the amounts.
create or replace function reserve_dispatch_budget(p_task_id uuid) returns boolean
language plpgsql as $$
declare
  v_task tasks;
  b budgets;
  v_expected jsonb;
  v_amount numeric;
  v_any boolean := false;
  v_period text;
  v_limit numeric;
  v_spent numeric;
  v_reserved numeric;
  v_msg text;
begin
  select * into v_task from tasks where id = p_task_id;
  -- A claim that crashed before the run started left its reservation open.
  update budget_reservations set status = 'released', closed_at = now(), close_reason = 'reclaimed'
  where task_id = p_task_id and status = 'open';
  v_expected := expected_run_cost(v_task);
  v_amount := (v_expected->>'amount')::numeric;
  for b in select * from budgets_for_task(v_task) loop
    v_any := true;
    v_reserved := budget_reserved(b.scope, b.subject_id);
    foreach v_period in array array['daily', 'total'] loop
      v_limit := case v_period when 'daily' then b.daily_limit_usd else b.total_limit_usd end;
      continue when v_limit is null;
      v_spent := budget_spent(b.scope, b.subject_id, case v_period when 'daily' then utc_day_start() end);
      if v_spent + v_reserved + v_amount > v_limit or v_spent + v_reserved >= v_limit then
        v_msg := format('%s %s budget: %s spent and %s reserved of %s; this run needs %s.',
                        budget_label(b), case v_period when 'daily' then 'daily (UTC)' else 'total' end,
                        money_label(v_spent), money_label(v_reserved), money_label(v_limit), money_label(v_amount));
        -- A daily limit frees up at the next UTC midnight; a total one waits for an operator.
        update tasks set alert_reason = 'budget_exceeded', claimed_until = null, last_dispatch_error = v_msg,
                         next_dispatch_at = case v_period when 'daily' then utc_day_start() + interval '1 day' end
        where id = p_task_id returning * into v_task;
        perform log_task_activity(p_task_id, 'budget_exceeded', 'Not dispatched: ' || v_msg,
          jsonb_build_object('budget_id', b.id, 'scope', b.scope, 'period', v_period, 'limit_usd', v_limit,
                             'spent_usd', v_spent, 'reserved_usd', v_reserved, 'needed_usd', v_amount),
          '{"type":"system","name":"budget"}'::jsonb);
        perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"budget"}'::jsonb,
          jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["alert_reason"]'::jsonb,
                             'alert_reason', 'budget_exceeded', 'reason', v_msg));
        return false;
      end if;
    end loop;
  end loop;
  if v_any then
    insert into budget_reservations (task_id, agent_id, workspace_id, amount_usd, basis)
    values (v_task.id, v_task.assigned_agent_id, v_task.workspace_id, v_amount, v_expected->>'basis');
  end if;
  return true;
end $$;

-- Usage for the task's run settles its open reservation: the recorded cost
-- now counts instead.
create or replace function settle_budget_reservation(p_task_id uuid, p_usage_id uuid, p_cost numeric) returns void
language sql as $$
  update budget_reservations set status = 'settled', closed_at = now(), close_reason = 'usage_recorded', usage_id = p_usage_id
  where task_id = p_task_id and status = 'open'
$$;

-- Every way a run ends or a claim is given up releases the reservation:
-- completion, run failure, lease expiry (the task leaves in_progress), a
-- failed or retried dispatch (the claim is cleared while still assigned).
-- A trigger covers all of them, including paths added later.
create or replace function release_budget_reservation() returns trigger
language plpgsql as $$
begin
  if (old.status = 'in_progress' and new.status <> 'in_progress')
     or (new.status = 'assigned' and old.claimed_until is not null and new.claimed_until is null)
     or (old.status = 'assigned' and new.status not in ('assigned', 'in_progress')) then
    update budget_reservations set status = 'released', closed_at = now(),
                                   close_reason = case when old.status = 'in_progress' then 'run_ended' else 'claim_ended' end
    where task_id = new.id and status = 'open';
  end if;
  return new;
end $$;

-- Emits budget.warning once when a budget's spend crosses 80% of a limit
-- (per budget, period and limit).
create or replace function check_budget_warnings(p_task tasks) returns void
language plpgsql as $$
declare
  b budgets;
  v_period text;
  v_limit numeric;
  v_start timestamptz;
  v_spent numeric;
begin
  for b in select * from budgets_for_task(p_task) loop
    foreach v_period in array array['daily', 'total'] loop
      v_limit := case v_period when 'daily' then b.daily_limit_usd else b.total_limit_usd end;
      continue when v_limit is null or v_limit <= 0;
      v_start := case v_period when 'daily' then utc_day_start() else '1970-01-01T00:00:00Z'::timestamptz end;
      v_spent := budget_spent(b.scope, b.subject_id, v_start);
      continue when v_spent < 0.8 * v_limit;
      insert into budget_warnings (budget_id, period, period_start, limit_usd, spent_usd)
      values (b.id, v_period, v_start, v_limit, v_spent) on conflict do nothing;
      if found then
        perform emit_event('budget.warning', b.workspace_id, p_task.id, p_task.assigned_agent_id, '{"type":"system","name":"budget"}'::jsonb,
          jsonb_build_object('budget_id', b.id, 'scope', b.scope, 'subject_id', b.subject_id, 'period', v_period,
                             'limit_usd', v_limit, 'spent_usd', v_spent, 'percent', round(100 * v_spent / v_limit),
                             'message', format('%s %s budget is %s%% spent (%s of %s).', budget_label(b),
                                               case v_period when 'daily' then 'daily (UTC)' else 'total' end,
                                               round(100 * v_spent / v_limit), money_label(v_spent), money_label(v_limit))));
      end if;
    end loop;
  end loop;
end $$;

-- A budget with its current spend, for the settings, agent and task pages.
create or replace function budget_status(p_scope text, p_subject_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'scope', p_scope, 'subject_id', p_subject_id, 'id', b.id,
    'daily_limit_usd', b.daily_limit_usd, 'total_limit_usd', b.total_limit_usd, 'reserve_usd', b.reserve_usd,
    'updated_at', b.updated_at,
    'spent_today_usd', budget_spent(p_scope, p_subject_id, utc_day_start()), 'spent_total_usd', budget_spent(p_scope, p_subject_id, null),
    'reserved_usd', budget_reserved(p_scope, p_subject_id))
  from (select p_scope::text as scope, p_subject_id as subject_id) k
  left join budgets b on b.scope = k.scope and b.subject_id = k.subject_id
$$;

-- Sets (or removes, with both limits empty) a budget. Setting a first budget
-- or lowering one is an operator's call; raising or removing one needs
-- p_may_raise (approver or admin, decided by the caller's role). Every change
-- is audited, a raise or removal under its own kind.
create or replace function set_budget(p_scope text, p_subject_id uuid, p_daily numeric, p_total numeric, p_reserve numeric,
                                      p_may_raise boolean, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_ws uuid;
  v_old budgets;
  v_new budgets;
  v_raise boolean;
  v_kind text;
begin
  if p_scope not in ('workspace', 'agent', 'task') then
    perform raise_app_error('invalid', 'Unknown budget scope.');
  end if;
  v_ws := case p_scope when 'workspace' then (select id from workspaces where id = p_subject_id)
                       when 'agent' then (select workspace_id from agents where id = p_subject_id)
                       else (select workspace_id from tasks where id = p_subject_id) end;
  if v_ws is null then
    perform raise_app_error('not_found', 'Nothing to budget: not found.');
  end if;
  if p_daily < 0 or p_total < 0 or p_reserve <= 0 then
    perform raise_app_error('invalid', 'Limits are zero or more dollars; the reserve is more than zero.');
  end if;
  select * into v_old from budgets where scope = p_scope and subject_id = p_subject_id for update;
  v_raise := v_old.id is not null and (
    (v_old.daily_limit_usd is not null and (p_daily is null or p_daily > v_old.daily_limit_usd))
    or (v_old.total_limit_usd is not null and (p_total is null or p_total > v_old.total_limit_usd)));
  if v_raise and not coalesce(p_may_raise, false) then
    perform raise_app_error('forbidden', 'Raising or removing a budget needs an approver or an admin; an operator may only set or lower one.');
  end if;
  if p_daily is null and p_total is null then
    delete from budgets where id = v_old.id;
    v_kind := 'budget.removed';
  else
    insert into budgets (scope, subject_id, workspace_id, daily_limit_usd, total_limit_usd, reserve_usd, updated_by)
    values (p_scope, p_subject_id, v_ws, p_daily, p_total, p_reserve, coalesce(p_actor, '{}'::jsonb))
    on conflict (scope, subject_id) do update set daily_limit_usd = excluded.daily_limit_usd, total_limit_usd = excluded.total_limit_usd,
      reserve_usd = excluded.reserve_usd, updated_by = excluded.updated_by, updated_at = now()
    returning * into v_new;
    v_kind := case when v_raise then 'budget.raised' else 'budget.set' end;
  end if;
  if v_old.id is not null or v_new.id is not null then
    perform append_audit(v_kind, p_actor, jsonb_build_object('scope', p_scope, 'subject_id', p_subject_id, 'workspace_id', v_ws),
      jsonb_build_object('from', case when v_old.id is null then null else jsonb_build_object('daily_limit_usd', v_old.daily_limit_usd,
                           'total_limit_usd', v_old.total_limit_usd, 'reserve_usd', v_old.reserve_usd) end,
                         'to', case when v_new.id is null then null else jsonb_build_object('daily_limit_usd', v_new.daily_limit_usd,
                           'total_limit_usd', v_new.total_limit_usd, 'reserve_usd', v_new.reserve_usd) end));
  end if;
  return budget_status(p_scope, p_subject_id) || jsonb_build_object('raised', v_raise, 'kind', v_kind);
end $$;

-- One figure set from summed parts (the same shape everywhere).
create or replace function usage_figures(p_records numeric, p_input numeric, p_output numeric, p_cache_read numeric, p_cache_write numeric,
                                         p_reported_usd numeric, p_estimated_usd numeric, p_reported_n numeric, p_estimated_n numeric,
                                         p_unknown_n numeric) returns jsonb
language sql immutable as $$
  select jsonb_build_object(
    'records', coalesce(p_records, 0)::bigint,
    'tokens', (coalesce(p_input, 0) + coalesce(p_output, 0) + coalesce(p_cache_read, 0) + coalesce(p_cache_write, 0))::bigint,
    'input_tokens', coalesce(p_input, 0)::bigint,
    'output_tokens', coalesce(p_output, 0)::bigint,
    'cache_tokens', (coalesce(p_cache_read, 0) + coalesce(p_cache_write, 0))::bigint,
    'cost_usd', coalesce(p_reported_usd, 0) + coalesce(p_estimated_usd, 0),
    'reported_usd', coalesce(p_reported_usd, 0),
    'estimated_usd', coalesce(p_estimated_usd, 0),
    'reported_records', coalesce(p_reported_n, 0)::bigint,
    'estimated_records', coalesce(p_estimated_n, 0)::bigint,
    'unknown_cost_records', coalesce(p_unknown_n, 0)::bigint)
$$;

create or replace function langfuse_pending_usage(p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', u.id, 'task_id', u.task_id, 'task_title', t.title, 'workspace_slug', w.slug,
           'agent_id', u.agent_id, 'agent_name', a.name, 'session_key', u.session_key, 'run_id', u.run_id,
           'source', u.source, 'model', u.model, 'input_tokens', u.input_tokens, 'output_tokens', u.output_tokens,
           'cache_read_tokens', u.cache_read_tokens, 'cache_write_tokens', u.cache_write_tokens,
           'cost_usd', u.cost_usd, 'provenance', u.provenance, 'created_at', u.created_at)
         order by u.created_at, u.id), '[]'::jsonb)
  from (select * from usage_records where langfuse_exported_at is null
        order by created_at, id limit least(greatest(p_limit, 1), 500)) u
  left join tasks t on t.id = u.task_id
  left join workspaces w on w.id = u.workspace_id
  left join agents a on a.id = u.agent_id
$$;

-- p_ids: a JSON array of ledger ids Langfuse has taken.
create or replace function mark_langfuse_exported(p_ids jsonb) returns jsonb
language sql as $$
  with marked as (
    update usage_records set langfuse_exported_at = now()
    where id in (select (x #>> '{}')::uuid from jsonb_array_elements(coalesce(p_ids, '[]'::jsonb)) x)
      and langfuse_exported_at is null
    returning 1
  )
  select jsonb_build_object('marked', (select count(*)::int from marked))
$$;

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

create or replace function usage_source_label(p_source text) returns text
language sql immutable as $$
  select case p_source when 'gateway' then 'the gateway' when 'webhook' then 'the completion webhook' else 'the agent API' end
$$;

create or replace function usage_figure_label(p_tokens bigint, p_cost numeric) returns text
language sql immutable as $$
  select format('%s tokens (%s)', to_char(p_tokens, 'FM999,999,999,999,990'), money_label(p_cost))
$$;

create or replace function usage_record_tokens(p usage_records) returns bigint
language sql immutable as $$
  select p.input_tokens + p.output_tokens + p.cache_read_tokens + p.cache_write_tokens
$$;
