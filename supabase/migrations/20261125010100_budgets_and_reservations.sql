-- Budgets per workspace, agent or task, and the reservations dispatch makes
-- against them (docs/decisions/008-budgets-and-reservations.md).
--
-- Spend is the sum of priced usage records (included models cost nothing).
-- "Daily" is the UTC day. A dispatch reserves the run's expected cost under
-- row locks on every budget that applies, so concurrent dispatchers can never
-- overshoot; a task whose reservation does not fit is not claimed.

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
        v_msg := format('%s %s budget: $%s spent and $%s reserved of $%s; this run needs $%s.',
                        budget_label(b), case v_period when 'daily' then 'daily (UTC)' else 'total' end,
                        round(v_spent, 2), round(v_reserved, 2), round(v_limit, 2), round(v_amount, 2));
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
create trigger tasks_release_budget_reservation after update of status, claimed_until on tasks
  for each row execute function release_budget_reservation();

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
                             'message', format('%s %s budget is %s%% spent ($%s of $%s).', budget_label(b),
                                               case v_period when 'daily' then 'daily (UTC)' else 'total' end,
                                               round(100 * v_spent / v_limit), round(v_spent, 2), round(v_limit, 2))));
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

-- Where a claimed task's run goes, and what the dispatch message learns of
-- the task beyond its own columns: pipelines (20261125012200) redefine both
-- to give each stage its own session and to name the stage.
create or replace function dispatch_session_key(p_openclaw_agent_id text, p_task tasks) returns text
language sql stable as $$
  select 'agent:' || p_openclaw_agent_id || ':mc-task-' || p_task.id
$$;

create or replace function dispatch_extras(p_task tasks) returns jsonb
language sql stable as $$
  select '{}'::jsonb
$$;

-- Dispatch claim, as in 20261125006100 plus the budget check: candidates are
-- locked (SKIP LOCKED), then every budget row they touch is locked in id
-- order (one statement, so two dispatchers never deadlock), then each task
-- reserves its expected cost or is refused with alert_reason budget_exceeded.
-- A refused task is not claimed: the dispatcher never calls the gateway for it.
create or replace function claim_tasks_for_dispatch(p_limit int, p_claim_seconds int, p_task_id uuid default null)
returns jsonb language plpgsql as $$
declare
  v_ids uuid[];
  v_id uuid;
  v_ok uuid[] := '{}';
  v_claimed jsonb;
begin
  select coalesce(array_agg(r.id order by r.priority_rank, r.created_at, r.id), '{}') into v_ids from (
    select t.id, t.priority_rank, t.created_at
    from tasks t
    join agents a on a.id = t.assigned_agent_id
    where t.status = 'assigned'
      and (p_task_id is null or t.id = p_task_id)
      and (p_task_id is not null or t.next_dispatch_at is null or t.next_dispatch_at <= now())
      and (p_task_id is not null or t.alert_reason is distinct from 'dispatch_failed')
      and (p_task_id is not null or t.alert_reason is distinct from 'budget_exceeded' or t.next_dispatch_at is not null)
      and (t.claimed_until is null or t.claimed_until < now())
      and a.openclaw_agent_id is not null
      and a.status <> 'offline'
      and dispatch_allowed(t)
    order by t.priority_rank, t.created_at, t.id
    limit greatest(p_limit, 0)
    for update of t skip locked) r;
  if cardinality(v_ids) = 0 then
    return '[]'::jsonb;
  end if;
  perform 1 from budgets b
  where exists (select 1 from tasks t where t.id = any(v_ids)
                and ((b.scope = 'workspace' and b.subject_id = t.workspace_id) or (b.scope = 'agent' and b.subject_id = t.assigned_agent_id)
                     or (b.scope = 'task' and b.subject_id = t.id)))
  order by b.id for update of b;
  foreach v_id in array v_ids loop
    if reserve_dispatch_budget(v_id) then
      v_ok := v_ok || v_id;
    end if;
  end loop;
  with claimed as (
    update tasks t set claimed_until = now() + make_interval(secs => p_claim_seconds),
                       dispatch_attempts = t.dispatch_attempts + 1,
                       session_key = dispatch_session_key(a.openclaw_agent_id, t)
    from agents a where t.id = any(v_ok) and a.id = t.assigned_agent_id
    returning t.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'workspace_id', c.workspace_id, 'title', c.title, 'description', c.description,
    'priority', c.priority, 'due_at', c.due_at, 'planning_spec', c.planning_spec,
    'dispatch_count', c.dispatch_count, 'dispatch_attempts', c.dispatch_attempts, 'session_key', c.session_key,
    'agent', jsonb_build_object('id', a.id, 'name', a.name, 'openclaw_agent_id', a.openclaw_agent_id, 'model', a.model))
    || (select dispatch_extras(t2) from tasks t2 where t2.id = c.id)
    order by c.priority_rank, c.created_at), '[]'::jsonb)
  into v_claimed
  from claimed c join agents a on a.id = c.assigned_agent_id;
  return v_claimed;
end $$;

create or replace function explain_not_dispatchable(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('status', t.status,
    'reason', case
      when t.status <> 'assigned' then 'not_assigned'
      when t.assigned_agent_id is null then 'no_agent'
      when a.openclaw_agent_id is null then 'agent_has_no_openclaw_id'
      when a.status = 'offline' then 'agent_offline'
      when t.claimed_until > now() then 'dispatch_in_progress'
      when not dispatch_allowed(t) then 'needs_approval'
      when t.alert_reason = 'budget_exceeded' then 'budget_exceeded'
      else 'unknown' end,
    'message', case when t.alert_reason = 'budget_exceeded' then t.last_dispatch_error end)
  from tasks t left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id
$$;

create or replace function count_dispatchable() returns jsonb
language sql stable as $$
  select jsonb_build_object('ready', count(*)::int)
  from tasks t join agents a on a.id = t.assigned_agent_id
  where t.status = 'assigned' and (t.next_dispatch_at is null or t.next_dispatch_at <= now())
    and t.alert_reason is distinct from 'dispatch_failed'
    and (t.alert_reason is distinct from 'budget_exceeded' or t.next_dispatch_at is not null)
    and (t.claimed_until is null or t.claimed_until < now())
    and a.openclaw_agent_id is not null and a.status <> 'offline' and dispatch_allowed(t)
$$;
