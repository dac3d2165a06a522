-- Cost summaries from the usage ledger: one workspace (totals, by agent, by
-- model, a daily series) and every workspace at once. Days are UTC calendar
-- days; "today" is the current UTC day, "7 days" is today and the 6 before.
-- Every figure carries its provenance: cost an agent or gateway reported,
-- cost estimated from the price table, and records with no cost at all.
-- Definitions: docs/ANALYTICS.md.

-- utc_day_start(p_at) (midnight UTC of p_at's day) comes from 20261125010100.

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
