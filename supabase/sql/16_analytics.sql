-- Analytics (definitions: docs/ANALYTICS.md). Cost summaries from the usage
-- ledger: one workspace (totals, by agent, by model, a daily series) and
-- every workspace at once. Days are UTC calendar days; "today" is the current
-- UTC day, "7 days" is today and the 6 before. Every figure carries its
-- provenance: cost an agent or gateway reported, cost estimated from the
-- price table, and records with no cost at all.
--
-- Agent performance for one workspace over a period of p_days UTC days
-- (today and the p_days - 1 before): delivery (completed, success, rework,
-- cycle time, cost per task) and the human side (approval wait,
-- interventions by autonomy mode, a promote suggestion). Tasks and approvals
-- count for the task's current assignee; only work the agent reported
-- complete is its completion, and tasks people moved to done are counted
-- apart (docs/decisions/033).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- One workspace: totals for today / 7 / 30 days and for the chosen period
-- (p_days, 1..366), the period by agent and by model, and a daily series with
-- a row for every day of the period (zero days included, for charts).
-- One scan of the ledger, grouped by day, agent and model; the rest rolls up
-- those few rows.
create or replace function workspace_cost_summary(p_workspace_id uuid, p_days int, p_now timestamptz default null)
returns jsonb language plpgsql stable as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  v_today timestamptz := utc_day_start(coalesce(p_now, now()));
  v_days int := least(greatest(coalesce(p_days, 30), 1), 366);
  v_from timestamptz;
  v_result jsonb;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  v_from := least(v_today - make_interval(days => v_days - 1), v_today - interval '29 days');
  with parts as (
    select (u.created_at at time zone 'UTC')::date as day, u.agent_id, u.model,
           count(*) as n, sum(u.input_tokens) as input, sum(u.output_tokens) as output,
           sum(u.cache_read_tokens) as cache_read, sum(u.cache_write_tokens) as cache_write,
           sum(u.cost_usd) filter (where u.provenance = 'reported') as rep_usd,
           sum(u.cost_usd) filter (where u.provenance = 'estimated') as est_usd,
           count(u.cost_usd) filter (where u.provenance = 'reported') as rep_n,
           count(u.cost_usd) filter (where u.provenance = 'estimated') as est_n,
           count(*) filter (where u.cost_usd is null) as unknown_n
    from usage_records u
    where u.workspace_id = p_workspace_id and u.created_at >= v_from and u.created_at <= v_now
    group by 1, 2, 3
  ), windows as (
    select w.name, usage_figures(sum(p.n), sum(p.input), sum(p.output), sum(p.cache_read), sum(p.cache_write),
                                 sum(p.rep_usd), sum(p.est_usd), sum(p.rep_n), sum(p.est_n), sum(p.unknown_n)) as figures
    from (values ('today', 0), ('d7', 6), ('d30', 29), ('period', v_days - 1)) w(name, back)
    left join parts p on p.day >= ((v_today - make_interval(days => w.back)) at time zone 'UTC')::date
    group by w.name
  ), in_period as (
    select * from parts where day >= ((v_today - make_interval(days => v_days - 1)) at time zone 'UTC')::date
  ), by_agent as (
    select p.agent_id, a.name, a.emoji,
           usage_figures(sum(p.n), sum(p.input), sum(p.output), sum(p.cache_read), sum(p.cache_write),
                         sum(p.rep_usd), sum(p.est_usd), sum(p.rep_n), sum(p.est_n), sum(p.unknown_n)) as figures
    from in_period p left join agents a on a.id = p.agent_id
    group by p.agent_id, a.name, a.emoji
  ), by_model as (
    select p.model,
           usage_figures(sum(p.n), sum(p.input), sum(p.output), sum(p.cache_read), sum(p.cache_write),
                         sum(p.rep_usd), sum(p.est_usd), sum(p.rep_n), sum(p.est_n), sum(p.unknown_n)) as figures
    from in_period p group by p.model
  ), daily as (
    select d::date as day,
           usage_figures(sum(p.n), sum(p.input), sum(p.output), sum(p.cache_read), sum(p.cache_write),
                         sum(p.rep_usd), sum(p.est_usd), sum(p.rep_n), sum(p.est_n), sum(p.unknown_n)) as figures
    from generate_series(((v_today - make_interval(days => v_days - 1)) at time zone 'UTC')::date,
                         (v_today at time zone 'UTC')::date, interval '1 day') d
    left join in_period p on p.day = d::date
    group by d
  )
  select jsonb_build_object(
    'workspace_id', p_workspace_id, 'now', v_now, 'days', v_days,
    'from', v_today - make_interval(days => v_days - 1),
    'totals', (select jsonb_object_agg(name, figures) from windows where name <> 'period'),
    'period', (select figures from windows where name = 'period'),
    'by_agent', (select coalesce(jsonb_agg(jsonb_build_object('agent_id', agent_id, 'name', coalesce(name, 'Unattributed'), 'emoji', emoji) || figures
                                           order by (figures->>'cost_usd')::numeric desc, (figures->>'tokens')::bigint desc, name), '[]'::jsonb) from by_agent),
    'by_model', (select coalesce(jsonb_agg(jsonb_build_object('model', model) || figures
                                           order by (figures->>'cost_usd')::numeric desc, (figures->>'tokens')::bigint desc, model), '[]'::jsonb) from by_model),
    'daily', (select jsonb_agg(jsonb_build_object('day', day) || figures order by day) from daily))
  into v_result;
  return v_result;
end $$;

-- Every workspace's today / 7 / 30 day totals, plus the sum over all of them.
create or replace function cost_overview(p_now timestamptz default null) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  v_today timestamptz := utc_day_start(coalesce(p_now, now()));
  v_result jsonb;
begin
  with parts as (
    select u.workspace_id, (u.created_at at time zone 'UTC')::date as day,
           count(*) as n, sum(u.input_tokens) as input, sum(u.output_tokens) as output,
           sum(u.cache_read_tokens) as cache_read, sum(u.cache_write_tokens) as cache_write,
           sum(u.cost_usd) filter (where u.provenance = 'reported') as rep_usd,
           sum(u.cost_usd) filter (where u.provenance = 'estimated') as est_usd,
           count(u.cost_usd) filter (where u.provenance = 'reported') as rep_n,
           count(u.cost_usd) filter (where u.provenance = 'estimated') as est_n,
           count(*) filter (where u.cost_usd is null) as unknown_n
    from usage_records u
    where u.created_at >= v_today - interval '29 days' and u.created_at <= v_now and u.workspace_id is not null
    group by 1, 2
  ), windows as (
    select case when grouping(p.workspace_id) = 0 then p.workspace_id end as workspace_id, grouping(p.workspace_id) = 1 as overall, w.name,
           usage_figures(sum(p.n), sum(p.input), sum(p.output), sum(p.cache_read), sum(p.cache_write),
                         sum(p.rep_usd), sum(p.est_usd), sum(p.rep_n), sum(p.est_n), sum(p.unknown_n)) as figures
    from parts p
    join (values ('today', 0), ('d7', 6), ('d30', 29)) w(name, back)
      on p.day >= ((v_today - make_interval(days => w.back)) at time zone 'UTC')::date
    group by grouping sets ((p.workspace_id, w.name), (w.name))
  ), empty as (
    select usage_figures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0) as figures
  )
  select jsonb_build_object(
    'now', v_now,
    'workspaces', coalesce((
      select jsonb_agg(jsonb_build_object('id', ws.id, 'slug', ws.slug, 'name', ws.name, 'icon', ws.icon,
                                          'totals', jsonb_build_object(
                                            'today', coalesce((select figures from windows x where not x.overall and x.workspace_id = ws.id and x.name = 'today'), e.figures),
                                            'd7', coalesce((select figures from windows x where not x.overall and x.workspace_id = ws.id and x.name = 'd7'), e.figures),
                                            'd30', coalesce((select figures from windows x where not x.overall and x.workspace_id = ws.id and x.name = 'd30'), e.figures)))
                       order by ws.name, ws.id)
      from workspaces ws cross join empty e), '[]'::jsonb),
    'totals', jsonb_build_object(
      'today', coalesce((select figures from windows where overall and name = 'today'), (select figures from empty)),
      'd7', coalesce((select figures from windows where overall and name = 'd7'), (select figures from empty)),
      'd30', coalesce((select figures from windows where overall and name = 'd30'), (select figures from empty))))
  into v_result;
  return v_result;
end $$;

-- A task went back for rework: failed deliverable checks, or a move from
-- testing/review back to assigned/in_progress.
create or replace function is_rework_activity(p_type text, p_metadata jsonb) returns boolean
language sql immutable as $$
  select p_type = 'checks_fail'
      or (p_type = 'status_changed' and p_metadata->>'from' in ('testing', 'review') and p_metadata->>'to' in ('assigned', 'in_progress'))
$$;

-- The agent handed work in: the completion report, or a move from
-- assigned/in_progress to testing/review.
create or replace function is_hand_in_activity(p_type text, p_metadata jsonb) returns boolean
language sql immutable as $$
  select p_type = 'completed'
      or (p_type = 'status_changed' and p_metadata->>'from' in ('assigned', 'in_progress') and p_metadata->>'to' in ('testing', 'review'))
$$;

-- When the work on a task first started, for its cycle time (docs/ANALYTICS.md):
-- its earliest dispatch, or its earliest move to in_progress (an agent or a
-- person starting the work), at or before p_before; null when neither.
create or replace function task_first_start_at(p_task_id uuid, p_before timestamptz) returns timestamptz
language sql stable as $$
  select min(a.created_at) from task_activities a
  where a.task_id = p_task_id and a.created_at <= p_before
    and a.type in ('dispatched', 'status_changed')
    and (a.type = 'dispatched' or a.metadata->>'to' = 'in_progress')
$$;

-- Whether the agent finished a task that entered done at p_done_at: its own
-- completion report (the agent API, the signed webhook or the gateway's run
-- result, each a 'completed' activity) is the task's last hand-in, with no
-- dispatch or move back to work after it. Otherwise a person finished it
-- (dragged it to done, or handed it in by a move), whoever it is assigned to.
create or replace function task_done_by_agent(p_task_id uuid, p_done_at timestamptz) returns boolean
language sql stable as $$
  select coalesce((select max(c.created_at) from task_activities c
                    where c.task_id = p_task_id and c.type = 'completed' and c.created_at <= p_done_at)
                  >= coalesce((select max(r.created_at) from task_activities r
                                where r.task_id = p_task_id and r.created_at <= p_done_at
                                  and r.type in ('dispatched', 'status_changed')
                                  and (r.type = 'dispatched' or r.metadata->>'to' in ('planning', 'inbox', 'assigned', 'in_progress'))),
                              '-infinity'::timestamptz), false)
$$;

create or replace function agent_performance(p_workspace_id uuid, p_days int, p_now timestamptz default null, p_promote_after int default 10)
returns jsonb language plpgsql stable as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  v_days int := least(greatest(coalesce(p_days, 30), 1), 366);
  v_n int := least(greatest(coalesce(p_promote_after, 10), 1), 100);
  v_from timestamptz;
  v_result jsonb;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  v_from := utc_day_start(v_now) - make_interval(days => v_days - 1);
  with closed as (
    -- Tasks that entered done in the period (and are still done), and who
    -- finished the work (task_done_by_agent).
    select t.id, t.assigned_agent_id as agent_id, t.status_changed_at as done_at,
           task_done_by_agent(t.id, t.status_changed_at) as by_agent,
           (select jsonb_build_object('type', m.actor_type, 'id', m.actor_id, 'name', m.actor_name) from task_activities m
             where m.task_id = t.id and m.type = 'status_changed' and m.metadata->>'to' = 'done'
             order by m.created_at desc limit 1) as closer
    from tasks t
    where t.workspace_id = p_workspace_id and t.status = 'done'
      and t.status_changed_at >= v_from and t.status_changed_at <= v_now
  ), by_people as (
    select c.agent_id, count(*) as n from closed c where not c.by_agent group by c.agent_id
  ), closers as (
    select coalesce(nullif(c.closer->>'name', ''), 'Someone') as name, count(*) as n
    from closed c where not c.by_agent group by 1
  ), done as (
    -- The agents' completions, with their first dispatch and how often they
    -- went back for rework before done.
    select c.id, c.agent_id, c.done_at, task_first_start_at(c.id, c.done_at) as first_dispatch_at,
           (select count(*) from task_activities a
             where a.task_id = c.id and a.created_at <= c.done_at
               and a.type in ('status_changed', 'checks_fail') and is_rework_activity(a.type, a.metadata)) as rework_events
    from closed c
    where c.by_agent and c.agent_id is not null
  ), done_usage as (
    select d.agent_id,
           usage_figures(count(u.id), sum(u.input_tokens), sum(u.output_tokens), sum(u.cache_read_tokens), sum(u.cache_write_tokens),
                         sum(u.cost_usd) filter (where u.provenance = 'reported'), sum(u.cost_usd) filter (where u.provenance = 'estimated'),
                         count(u.cost_usd) filter (where u.provenance = 'reported'), count(u.cost_usd) filter (where u.provenance = 'estimated'),
                         count(u.id) filter (where u.cost_usd is null)) as figures
    from done d left join usage_records u on u.task_id = d.id
    group by d.agent_id
  ), delivery as (
    select d.agent_id, count(*) as completed, count(*) filter (where d.rework_events = 0) as first_time,
           percentile_cont(0.5) within group (order by extract(epoch from d.done_at - d.first_dispatch_at))
             filter (where d.first_dispatch_at is not null) as cycle_p50,
           percentile_cont(0.9) within group (order by extract(epoch from d.done_at - d.first_dispatch_at))
             filter (where d.first_dispatch_at is not null) as cycle_p90,
           count(d.first_dispatch_at) as cycle_n
    from done d group by d.agent_id
  ), flow as (
    -- Per task: handed in during the period, and sent back during the period.
    select t.assigned_agent_id as agent_id, a.task_id,
           bool_or(is_hand_in_activity(a.type, a.metadata)) as handed_in,
           bool_or(is_rework_activity(a.type, a.metadata)) as reworked,
           count(*) filter (where is_rework_activity(a.type, a.metadata)) as rework_events
    from tasks t
    join task_activities a on a.task_id = t.id
    where t.workspace_id = p_workspace_id and t.assigned_agent_id is not null
      and a.type in ('status_changed', 'completed', 'checks_fail')
      and a.created_at >= v_from and a.created_at <= v_now
    group by t.assigned_agent_id, a.task_id
  ), rework as (
    select agent_id, count(*) filter (where handed_in) as handed_in,
           count(*) filter (where handed_in and reworked) as reworked, sum(rework_events) as rework_events
    from flow group by agent_id
  ), gated as (
    -- Approval requests in the period; system requests (dispatch, review → done)
    -- count for the task's assignee.
    select coalesce(ap.requested_by_agent_id, t.assigned_agent_id) as agent_id, ap.mode, ap.status,
           ap.decided_by is not null as human, extract(epoch from ap.decided_at - ap.created_at) as wait_s
    from approvals ap join tasks t on t.id = ap.task_id
    where t.workspace_id = p_workspace_id and ap.created_at >= v_from and ap.created_at <= v_now
  ), human as (
    select agent_id, count(*) as requested, count(*) filter (where human) as human_decided,
           percentile_cont(0.5) within group (order by wait_s) filter (where human) as wait_p50,
           percentile_cont(0.9) within group (order by wait_s) filter (where human) as wait_p90
    from gated where agent_id is not null group by agent_id
  ), modes as (
    -- Intervention by the mode the gate resolved to: hitl (an approver
    -- decides), hotl (goes ahead unless vetoed), policy (allowed without a human).
    select grouping(agent_id) = 1 as overall, agent_id, mode,
           jsonb_build_object('mode', mode, 'total', count(*), 'human_decided', count(*) filter (where human),
             'approved', count(*) filter (where status = 'approved'), 'denied', count(*) filter (where status = 'denied'),
             'expired', count(*) filter (where status = 'expired'), 'pending', count(*) filter (where status = 'pending'),
             'intervention_rate', round((count(*) filter (where human))::numeric / count(*), 4),
             'denied_rate', round((count(*) filter (where status = 'denied'))::numeric / count(*), 4)) as figures
    from gated group by grouping sets ((agent_id, mode), (mode))
  ), per_task as (
    select d.agent_id, count(ap.id) as approvals
    from done d left join approvals ap on ap.task_id = d.id group by d.agent_id
  ), recent as (
    -- The last N decided human-gated actions of each agent, at any time.
    select agent_id, status from (
      select coalesce(ap.requested_by_agent_id, t.assigned_agent_id) as agent_id, ap.status,
             row_number() over (partition by coalesce(ap.requested_by_agent_id, t.assigned_agent_id) order by ap.created_at desc, ap.id) as rn
      from approvals ap join tasks t on t.id = ap.task_id
      where t.workspace_id = p_workspace_id and ap.mode in ('hitl', 'hotl') and ap.status <> 'pending' and ap.created_at <= v_now
    ) r where rn <= v_n
  ), promote as (
    select agent_id, count(*) as considered, count(*) filter (where status = 'approved') as approved
    from recent group by agent_id
  ), per_agent as (
    select ag.id, ag.name, ag.emoji, ag.autonomy_level,
           jsonb_build_object(
             'agent_id', ag.id, 'name', ag.name, 'emoji', ag.emoji, 'autonomy_level', ag.autonomy_level,
             'completed', coalesce(dl.completed, 0),
             'closed_by_people', coalesce(bp.n, 0),
             'first_time', coalesce(dl.first_time, 0),
             'success_rate', round(dl.first_time::numeric / nullif(dl.completed, 0), 4),
             'handed_in', coalesce(rw.handed_in, 0),
             'reworked', coalesce(rw.reworked, 0),
             'rework_events', coalesce(rw.rework_events, 0),
             'rework_rate', round(rw.reworked::numeric / nullif(rw.handed_in, 0), 4),
             'cycle_n', coalesce(dl.cycle_n, 0),
             'cycle_p50_s', dl.cycle_p50, 'cycle_p90_s', dl.cycle_p90,
             'usage', coalesce(du.figures, usage_figures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
             'cost_per_task', round((du.figures->>'cost_usd')::numeric / nullif(dl.completed, 0), 6),
             'tokens_per_task', round((du.figures->>'tokens')::numeric / nullif(dl.completed, 0), 1),
             'approvals', jsonb_build_object(
               'requested', coalesce(hu.requested, 0), 'human_decided', coalesce(hu.human_decided, 0),
               'wait_p50_s', hu.wait_p50, 'wait_p90_s', hu.wait_p90,
               'per_task', round(pt.approvals::numeric / nullif(dl.completed, 0), 4),
               'by_mode', (select coalesce(jsonb_agg(m.figures order by m.mode), '[]'::jsonb)
                           from modes m where not m.overall and m.agent_id = ag.id)),
             'promote', case
               when ag.autonomy_level <> 'autonomous' and pr.considered = v_n and pr.approved = v_n
                 then jsonb_build_object('suggest', true, 'to', case ag.autonomy_level when 'hitl' then 'hotl' else 'autonomous' end,
                                         'approved_in_a_row', v_n)
               else jsonb_build_object('suggest', false, 'considered', coalesce(pr.considered, 0), 'approved', coalesce(pr.approved, 0)) end
           ) as figures
    from agents ag
    left join delivery dl on dl.agent_id = ag.id
    left join done_usage du on du.agent_id = ag.id
    left join rework rw on rw.agent_id = ag.id
    left join human hu on hu.agent_id = ag.id
    left join per_task pt on pt.agent_id = ag.id
    left join promote pr on pr.agent_id = ag.id
    left join by_people bp on bp.agent_id = ag.id
    where ag.workspace_id = p_workspace_id
  )
  select jsonb_build_object(
    'workspace_id', p_workspace_id, 'now', v_now, 'days', v_days, 'from', v_from, 'promote_after', v_n,
    'agents', (select coalesce(jsonb_agg(figures order by name, id), '[]'::jsonb) from per_agent),
    'completed', jsonb_build_object(
      'by_agents', (select count(*) from done),
      'by_people', (select count(*) from closed where not by_agent),
      'unassigned_by_people', (select count(*) from closed where not by_agent and agent_id is null),
      'people', (select coalesce(jsonb_agg(jsonb_build_object('name', name, 'tasks', n) order by n desc, name), '[]'::jsonb) from closers)),
    'by_mode', (select coalesce(jsonb_agg(m.figures order by m.mode), '[]'::jsonb) from modes m where m.overall),
    'promote', (select coalesce(jsonb_agg(jsonb_build_object('agent_id', id, 'name', name, 'emoji', emoji, 'from', autonomy_level,
                                                            'to', figures->'promote'->>'to') order by name, id), '[]'::jsonb)
                from per_agent where (figures->'promote'->>'suggest')::boolean))
  into v_result;
  return v_result;
end $$;

-- One agent's work for its page: its tasks (open ones first, then the latest
-- closed, p_task_limit in all, with counts by open / done / cancelled) and its
-- recent runs (p_run_limit, newest first). A run starts at a dispatch, or when
-- the agent itself starts its task through the API, and ends at the first of:
-- the agent's completion report, a failed run, an expired lease, a person's
-- move, or the next start. Its tokens and cost are the usage recorded for its
-- run id, or (a run without one) the task's usage from its start to the next.
create or replace function agent_work(p_agent_id uuid, p_task_limit int default 50, p_run_limit int default 20)
returns jsonb language sql stable as $$
  with mine as (
    select t.*, t.status not in ('done', 'cancelled') as open from tasks t where t.assigned_agent_id = p_agent_id and t.deleted_at is null
  ), listed as (
    select * from mine order by open desc, case when open then status_changed_at end desc nulls last, status_changed_at desc, id
    limit least(greatest(coalesce(p_task_limit, 50), 1), 500)
  ), starts as (
    select d.task_id, d.created_at as started_at, d.metadata->>'run_id' as run_id, m.title, m.status, m.current_run_id,
           lead(d.created_at) over (partition by d.task_id order by d.created_at) as next_start
    from task_activities d join mine m on m.id = d.task_id
    where d.type = 'dispatched'
       or (d.type = 'status_changed' and d.actor_type = 'agent' and d.metadata->>'to' = 'in_progress')
  ), runs as (
    select * from starts order by started_at desc limit least(greatest(coalesce(p_run_limit, 20), 1), 200)
  ), ended as (
    select r.*, e.type as end_type, e.created_at as ended_at, e.metadata as end_metadata, e.actor_name as end_actor_name
    from runs r
    left join lateral (
      select a.type, a.created_at, a.metadata, a.actor_name from task_activities a
      where a.task_id = r.task_id and a.created_at > r.started_at
        and (a.type in ('completed', 'run_failed', 'lease_expired', 'dispatched')
             or (a.type = 'status_changed' and a.actor_type = 'user')
             or (a.type = 'status_changed' and a.actor_type = 'agent' and a.metadata->>'to' = 'in_progress'))
      order by a.created_at limit 1) e on true
  )
  select jsonb_build_object(
    'counts', (select jsonb_build_object('open', count(*) filter (where open), 'done', count(*) filter (where status = 'done'),
                                         'cancelled', count(*) filter (where status = 'cancelled')) from mine),
    'tasks', coalesce((select jsonb_agg(jsonb_build_object('id', l.id, 'title', l.title, 'status', l.status, 'priority', l.priority, 'open', l.open,
                                                           'due_at', l.due_at, 'status_changed_at', l.status_changed_at, 'alert_reason', l.alert_reason)
                                        order by l.open desc, case when l.open then l.status_changed_at end desc nulls last, l.status_changed_at desc, l.id)
                       from listed l), '[]'::jsonb),
    'runs', coalesce((select jsonb_agg(jsonb_build_object(
        'task_id', e.task_id, 'title', e.title, 'run_id', e.run_id, 'started_at', e.started_at,
        'ended_at', case when e.end_type is null then null else e.ended_at end,
        'outcome', case
                     when e.end_type = 'completed' then 'completed'
                     when e.end_type = 'run_failed' then 'failed'
                     when e.end_type = 'lease_expired' then 'lease_expired'
                     when e.end_type = 'dispatched' or (e.end_type = 'status_changed' and e.end_metadata->>'to' = 'in_progress' and e.next_start = e.ended_at) then 'superseded'
                     when e.end_type = 'status_changed' then 'moved'
                     when e.status = 'in_progress' and e.current_run_id is not distinct from e.run_id then 'running'
                     else 'ended' end,
        'moved_to', case when e.end_type = 'status_changed' then e.end_metadata->>'to' end,
        'moved_by', case when e.end_type = 'status_changed' then e.end_actor_name end,
        'usage', (select usage_figures(count(u.id), sum(u.input_tokens), sum(u.output_tokens), sum(u.cache_read_tokens), sum(u.cache_write_tokens),
                                       sum(u.cost_usd) filter (where u.provenance = 'reported'), sum(u.cost_usd) filter (where u.provenance = 'estimated'),
                                       count(u.cost_usd) filter (where u.provenance = 'reported'), count(u.cost_usd) filter (where u.provenance = 'estimated'),
                                       count(u.id) filter (where u.cost_usd is null))
                  from usage_records u
                  where u.task_id = e.task_id
                    and (u.run_id = e.run_id
                         or (e.run_id is null and u.run_id is null and u.created_at >= e.started_at and (e.next_start is null or u.created_at < e.next_start)))))
      order by e.started_at desc) from ended e), '[]'::jsonb))
$$;

-- Everything the agent page reads, in one call: what the agent is running now
-- (its in-progress tasks, each with its run's start, state and usage so far),
-- one page of its tasks (open ones first, then the latest closed; p_task_limit
-- from p_task_offset) with each one's outcome, cycle time and cost, the counts
-- and total for paging, and its recent runs (agent_work). Cycle time is first
-- start → done (task_first_start_at, as docs/ANALYTICS.md defines it), for
-- done tasks that were started; cost is the task's whole usage, any run.
create or replace function agent_page(p_agent_id uuid, p_task_limit int default 20, p_task_offset int default 0, p_run_limit int default 20)
returns jsonb language sql stable as $$
  with mine as (
    select t.*, t.status not in ('done', 'cancelled') as open from tasks t where t.assigned_agent_id = p_agent_id and t.deleted_at is null
  ), page as (
    select * from mine
    order by open desc, case when open then status_changed_at end desc nulls last, status_changed_at desc, id
    limit least(greatest(coalesce(p_task_limit, 20), 1), 100) offset least(greatest(coalesce(p_task_offset, 0), 0), 100000)
  ), figured as (
    select p.*, task_first_start_at(p.id, case when p.open then now() else p.status_changed_at end) as started_at,
           case when p.status = 'done' then task_done_by_agent(p.id, p.status_changed_at) end as by_agent,
           (select m.actor_name from task_activities m
             where not p.open and m.task_id = p.id and m.type = 'status_changed' and m.metadata->>'to' = p.status
             order by m.created_at desc limit 1) as closed_by,
           (select usage_figures(count(u.id), sum(u.input_tokens), sum(u.output_tokens), sum(u.cache_read_tokens), sum(u.cache_write_tokens),
                                 sum(u.cost_usd) filter (where u.provenance = 'reported'), sum(u.cost_usd) filter (where u.provenance = 'estimated'),
                                 count(u.cost_usd) filter (where u.provenance = 'reported'), count(u.cost_usd) filter (where u.provenance = 'estimated'),
                                 count(u.id) filter (where u.cost_usd is null))
              from usage_records u where u.task_id = p.id) as usage
    from page p
  ), now_running as (
    select m.*, coalesce(m.dispatched_at, m.status_changed_at) as run_started_at from mine m where m.status = 'in_progress'
  )
  select jsonb_build_object(
    'counts', (select jsonb_build_object('open', count(*) filter (where open), 'done', count(*) filter (where status = 'done'),
                                         'cancelled', count(*) filter (where status = 'cancelled')) from mine),
    'total', (select count(*) from mine),
    'limit', least(greatest(coalesce(p_task_limit, 20), 1), 100),
    'offset', least(greatest(coalesce(p_task_offset, 0), 0), 100000),
    'current', coalesce((select jsonb_agg(jsonb_build_object(
        'task_id', c.id, 'title', c.title, 'status', c.status, 'run_id', c.current_run_id, 'session_key', c.session_key,
        'started_at', c.run_started_at, 'lease_expires_at', c.lease_expires_at, 'last_activity_at', c.last_activity_at,
        'alert_reason', c.alert_reason,
        'state', case when c.lease_expires_at is not null and c.lease_expires_at < now() then 'lease_expired'
                      when c.stall_flagged_at is not null then 'stalled'
                      when c.current_run_id is null then 'no_run'
                      else 'running' end,
        'usage', (select usage_figures(count(u.id), sum(u.input_tokens), sum(u.output_tokens), sum(u.cache_read_tokens), sum(u.cache_write_tokens),
                                       sum(u.cost_usd) filter (where u.provenance = 'reported'), sum(u.cost_usd) filter (where u.provenance = 'estimated'),
                                       count(u.cost_usd) filter (where u.provenance = 'reported'), count(u.cost_usd) filter (where u.provenance = 'estimated'),
                                       count(u.id) filter (where u.cost_usd is null))
                  from usage_records u
                  where u.task_id = c.id
                    and (u.run_id = c.current_run_id or (c.current_run_id is null and u.created_at >= c.run_started_at))))
      order by c.run_started_at desc, c.id) from now_running c), '[]'::jsonb),
    'tasks', coalesce((select jsonb_agg(jsonb_build_object(
        'id', f.id, 'title', f.title, 'status', f.status, 'priority', f.priority, 'open', f.open, 'due_at', f.due_at,
        'status_changed_at', f.status_changed_at, 'alert_reason', f.alert_reason, 'created_at', f.created_at,
        'outcome', case when f.open then 'open' when f.status = 'cancelled' then 'cancelled' when f.by_agent then 'done' else 'done_by_person' end,
        'closed_at', case when f.open then null else f.status_changed_at end,
        'closed_by', f.closed_by,
        'started_at', f.started_at,
        'cycle_s', case when f.status = 'done' and f.started_at is not null then extract(epoch from f.status_changed_at - f.started_at) end,
        'usage', f.usage)
      order by f.open desc, case when f.open then f.status_changed_at end desc nulls last, f.status_changed_at desc, f.id) from figured f), '[]'::jsonb),
    'runs', agent_work(p_agent_id, 1, p_run_limit)->'runs')
$$;
