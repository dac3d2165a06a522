-- Tasks: the state machine's guard, activities, create, read (card, detail,
-- board, "needs you"), edit and delete.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

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

-- Whether a task waits on another that is not finished (done or cancelled);
-- a deleted blocker holds nothing. Dispatch never starts a blocked task.
create or replace function task_is_blocked(p_task_id uuid) returns boolean
language sql stable as $$
  select exists (select 1 from task_dependencies d join tasks b on b.id = d.blocked_by_id
                 where d.task_id = p_task_id and b.status not in ('done', 'cancelled') and b.deleted_at is null)
$$;

-- PL/pgSQL, not SQL: a SQL function that calls SQL functions has their plans
-- rebuilt on every call (0.4 ms a card on PostgreSQL 15, 60 ms for a board),
-- while PL/pgSQL keeps its statements' plans, and the functions it calls in
-- simple expressions keep theirs, for the whole transaction.
create or replace function task_card_json(t tasks, a agents) returns jsonb
language plpgsql stable as $$
declare
  v_pipeline jsonb := task_pipeline_json(t);
  v_blocked boolean := task_is_blocked(t.id);
  v_subtasks jsonb;
begin
  select case when count(*) > 0 then jsonb_build_object('done', count(*) filter (where s.status = 'done'),
                                                        'total', count(*) filter (where s.status <> 'cancelled')) end
  into v_subtasks
  from tasks s where s.parent_id = t.id and s.deleted_at is null;
  return jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority,
    'due_at', t.due_at, 'alert_reason', t.alert_reason, 'created_at', t.created_at,
    'updated_at', t.updated_at, 'status_changed_at', t.status_changed_at,
    'token_usage', t.token_usage, 'estimated_cost', t.estimated_cost, 'cost_provenance', t.cost_provenance,
    'labels', to_jsonb(t.labels),
    'assignee', case when a.id is null then null
                     else jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji, 'status', a.status) end,
    'pipeline', v_pipeline,
    'blocked', v_blocked,
    'subtasks', v_subtasks);
end $$;

-- Where a status sits in the board's order of lanes.
create or replace function status_position(p_status text) returns int
language sql immutable as $$
  select case p_status when 'planning' then 1 when 'inbox' then 2 when 'assigned' then 3 when 'in_progress' then 4
                       when 'testing' then 5 when 'review' then 6 when 'done' then 7 when 'cancelled' then 8 end
$$;

-- The calendar day a due date falls on for a reader in p_zone: a due day
-- (stored as midnight UTC) is that day everywhere, a due date-time is the
-- day it falls on in the reader's zone (app/domain/time.ts reads it the same).
create or replace function due_day(p_due timestamptz, p_zone text) returns date
language sql immutable as $$
  select case when p_due is null then null
              when (p_due at time zone 'UTC')::time = '00:00' then (p_due at time zone 'UTC')::date
              else (p_due at time zone p_zone)::date end
$$;

-- The search text as ILIKE patterns, one a word (split on spaces), with
-- % _ and \ taken literally; null for no search.
create or replace function search_patterns(p_q text) returns text[]
language sql immutable as $$
  select nullif(array(select '%' || replace(replace(replace(w, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                      from regexp_split_to_table(btrim(coalesce(p_q, '')), '\s+') w where w <> ''), '{}')
$$;

-- Whether a task passes the board's filter (app/domain/board-query.ts):
-- q (every word in the title or the description, ILIKE: a substring in any
-- language, no stemming; p_patterns is search_patterns(q)), assignee (an
-- agent id or 'none'), priority, type (a task type id or 'general'), label,
-- due ('overdue', 'today', 'week', 'none', in the reader's zone tz: p_today
-- is that zone's today), status. An absent key does not filter. One plain
-- expression, so the planner inlines it into the query that calls it.
create or replace function task_matches(t tasks, p_filter jsonb, p_patterns text[], p_today date) returns boolean
language sql stable as $$
  select (p_patterns is null or (t.title || E'\n' || t.description) ilike all (p_patterns))
     and (p_filter->>'assignee' is null
          or (p_filter->>'assignee' = 'none' and t.assigned_agent_id is null)
          or t.assigned_agent_id::text = p_filter->>'assignee')
     and (p_filter->>'priority' is null or t.priority = p_filter->>'priority')
     and (p_filter->>'type' is null
          or (p_filter->>'type' = 'general' and t.task_type_id is null)
          or t.task_type_id::text = p_filter->>'type')
     and (p_filter->>'label' is null or t.labels @> array[p_filter->>'label'])
     and (p_filter->>'status' is null or t.status = p_filter->>'status')
     and (p_filter->>'due' is null
          or case p_filter->>'due'
               when 'none' then t.due_at is null
               when 'overdue' then t.status not in ('done', 'cancelled')
                                   and case when (t.due_at at time zone 'UTC')::time = '00:00'
                                            then (t.due_at at time zone 'UTC')::date < p_today
                                            else t.due_at < now() end
               when 'today' then due_day(t.due_at, coalesce(p_filter->>'tz', 'UTC')) = p_today
               when 'week' then due_day(t.due_at, coalesce(p_filter->>'tz', 'UTC')) between p_today and p_today + 6
               else false end)
$$;

-- The reader's today, for the due filters.
create or replace function filter_today(p_filter jsonb) returns date
language sql stable as $$
  select (now() at time zone coalesce(p_filter->>'tz', 'UTC'))::date
$$;

-- One workspace's board: counts for every status and the first cards of each
-- column, of the tasks that pass p_filter. p_limits maps a status to how many
-- cards to send (default 50, done 20). Open lanes are in rank order, done and
-- cancelled newest first. 'beyond' names, per lane, the first two cards past
-- the ones sent, so the last cards shown can still be moved down.
create or replace function get_board(p_workspace_id uuid, p_limits jsonb default '{}'::jsonb, p_filter jsonb default '{}'::jsonb)
returns jsonb
language sql stable as $$
  -- Each branch is gated on p_filter itself (a one-time filter), so an
  -- unfiltered board never tests a task against the filter, and reads each
  -- lane as a short range scan of tasks_board_rank_idx.
  with statuses(status, ord, lim) as (
    select v.status, v.ord,
           greatest(0, least(1000, coalesce((p_limits->>v.status)::int,
                                            case when v.status in ('done', 'cancelled') then 20 else 50 end)))
    from (values ('planning', 1), ('inbox', 2), ('assigned', 3), ('in_progress', 4), ('testing', 5),
                 ('review', 6), ('done', 7), ('cancelled', 8)) v(status, ord)
  ),
  -- With a filter, each task is tested once: counts and lanes read this list.
  f as materialized (select search_patterns(p_filter->>'q') as patterns, filter_today(p_filter) as today),
  matching as materialized (
    select t.id, t.status, t.rank, t.updated_at from f, tasks t
    where p_filter <> '{}'::jsonb and t.workspace_id = p_workspace_id and t.deleted_at is null
      and task_matches(t, p_filter, f.patterns, f.today)
  ),
  counts as (
    select t.status, count(*)::int as n from tasks t
    where p_filter = '{}'::jsonb and t.workspace_id = p_workspace_id and t.deleted_at is null
    group by t.status
    union all
    select m.status, count(*)::int from matching m where p_filter <> '{}'::jsonb group by m.status
  ),
  lanes as (
    select s.status as lane, t0.id, t0.n, s.lim
    from statuses s
    cross join lateral (
      select t1.id, row_number() over () as n
      from (select t2.id from tasks t2
            where p_filter = '{}'::jsonb and t2.workspace_id = p_workspace_id and t2.status = s.status
              and t2.deleted_at is null
            order by case when t2.status in ('done', 'cancelled') then 0 else t2.rank end, t2.updated_at desc, t2.id
            limit s.lim + 2) t1
      union all
      select t1.id, row_number() over () as n
      from (select m.id from matching m
            where p_filter <> '{}'::jsonb and m.status = s.status
            order by case when m.status in ('done', 'cancelled') then 0 else m.rank end, m.updated_at desc, m.id
            limit s.lim + 2) t1
    ) t0
  )
  select jsonb_build_object(
    'counts', (select coalesce(jsonb_object_agg(s.status, coalesce(c.n, 0)), '{}'::jsonb)
               from statuses s left join counts c using (status)),
    'columns', (select jsonb_object_agg(s.status, coalesce(cards.list, '[]'::jsonb))
                from statuses s
                left join lateral (
                  select jsonb_agg(task_card_json(t, a) order by l.n) as list
                  from lanes l
                  join tasks t on t.id = l.id
                  left join agents a on a.id = t.assigned_agent_id
                  where l.lane = s.status and l.n <= l.lim
                ) cards on true),
    'beyond', (select jsonb_object_agg(s.status, coalesce(b.ids, '[]'::jsonb))
               from statuses s
               left join lateral (
                 select jsonb_agg(l.id order by l.n) as ids from lanes l where l.lane = s.status and l.n > l.lim
               ) b on true)
  )
$$;

-- The task page also shows dispatch state, planning and usage per run.
create or replace function get_task_by_id(p_task_id uuid) returns jsonb
language sql stable as $$
  select task_card_json(t, a) || jsonb_build_object(
    'workspace_id', t.workspace_id, 'description', t.description,
    'workspace', jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name, 'icon', w.icon),
    'allowed_statuses', (select coalesce(jsonb_agg(to_status order by to_status), '[]'::jsonb)
                         from task_transitions where from_status = t.status),
    'assignee_openclaw_id', a.openclaw_agent_id,
    'planning_spec', t.planning_spec, 'session_key', t.session_key, 'run_id', t.current_run_id,
    'dispatch_attempts', t.dispatch_attempts, 'last_dispatch_error', t.last_dispatch_error,
    'next_dispatch_at', t.next_dispatch_at, 'lease_expires_at', t.lease_expires_at, 'dispatched_at', t.dispatched_at,
    'test_step', t.test_step,
    'activities', (select coalesce(jsonb_agg(jsonb_build_object(
                      'id', x.id, 'type', x.type, 'message', x.message, 'metadata', x.metadata,
                      'actor_type', x.actor_type, 'actor_name', x.actor_name, 'created_at', x.created_at)
                    order by x.created_at desc, x.id), '[]'::jsonb)
                   from (select * from task_activities where task_id = t.id order by created_at desc limit 200) x),
    'deliverables', (select coalesce(jsonb_agg(jsonb_build_object(
                        'id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url,
                        'description', d.description, 'created_at', d.created_at)
                      order by d.created_at desc, d.id), '[]'::jsonb)
                     from task_deliverables d where d.task_id = t.id),
    'usage', (select coalesce(jsonb_agg(jsonb_build_object(
                 'source', u.source, 'run_id', u.run_id, 'model', u.model, 'input_tokens', u.input_tokens,
                 'output_tokens', u.output_tokens, 'cache_read_tokens', u.cache_read_tokens,
                 'cache_write_tokens', u.cache_write_tokens, 'cost_usd', u.cost_usd, 'provenance', u.provenance,
                 'price_version', u.price_version, 'created_at', u.created_at) order by u.created_at), '[]'::jsonb)
              from usage_records u where u.task_id = t.id),
    'usage_runs', (select coalesce(jsonb_agg(r order by r->>'first_at'), '[]'::jsonb) from (
                     select jsonb_build_object(
                       'run_id', u.run_id, 'records', count(*), 'first_at', min(u.created_at),
                       'models', jsonb_agg(distinct u.model) filter (where u.model <> ''),
                       'input_tokens', sum(u.input_tokens), 'output_tokens', sum(u.output_tokens),
                       'cache_read_tokens', sum(u.cache_read_tokens), 'cache_write_tokens', sum(u.cache_write_tokens),
                       'cost_usd', sum(u.cost_usd),
                       'provenance', (array_agg(u.provenance order by provenance_rank(u.provenance) desc))[1],
                       'price_versions', jsonb_agg(distinct u.price_version) filter (where u.price_version is not null)) as r
                     from usage_records u where u.task_id = t.id group by u.run_id) runs),
    'budget', budget_status('task', t.id),
    'approvals', (select coalesce(jsonb_agg(approval_json(ap) order by ap.created_at desc), '[]'::jsonb)
                  from approvals ap where ap.task_id = t.id))
  from tasks t
  join workspaces w on w.id = t.workspace_id
  left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id and t.deleted_at is null
$$;

create or replace function log_task_activity(p_task_id uuid, p_type text, p_message text, p_metadata jsonb, p_actor jsonb)
returns uuid language plpgsql as $$
declare
  v_id uuid;
  v_ws uuid;
begin
  select workspace_id into v_ws from tasks where id = p_task_id;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, p_type, p_message, coalesce(p_metadata, '{}'::jsonb),
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''))
  returning id into v_id;
  perform emit_event('activity.created', v_ws, p_task_id, null, p_actor,
    jsonb_build_object('activity_id', v_id, 'type', p_type, 'message', left(p_message, 500)));
  return v_id;
end $$;

create or replace function check_assignee(p_workspace_id uuid, p_agent_id uuid) returns void
language plpgsql as $$
begin
  if p_agent_id is not null and not exists (select 1 from agents where id = p_agent_id and workspace_id = p_workspace_id) then
    perform raise_app_error('invalid', 'That agent is not part of this workspace.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Unknown agent')));
  end if;
end $$;

-- A task's labels from a JSON array of strings, as app/domain/labels.ts
-- writes them: trimmed, inner spaces single, lower case, each once, in the
-- order given; at most 10, each 1 to 32 characters with no comma. Anything
-- else is refused rather than trimmed to fit.
create or replace function task_labels(p_labels jsonb) returns text[]
language plpgsql immutable as $$
declare
  v_out text[] := '{}';
  v_label text;
begin
  if p_labels is null or jsonb_typeof(p_labels) = 'null' then
    return v_out;
  end if;
  if jsonb_typeof(p_labels) <> 'array' then
    perform raise_app_error('invalid', 'Labels are a list of words.',
      jsonb_build_object('fields', jsonb_build_object('labels', 'Labels are a list of words')));
  end if;
  for v_label in select lower(regexp_replace(btrim(x), '\s+', ' ', 'g')) from jsonb_array_elements_text(p_labels) x loop
    if v_label !~ '^[^,[:cntrl:]]{1,32}$' then
      perform raise_app_error('invalid', 'A label is 1 to 32 characters, without commas.',
        jsonb_build_object('fields', jsonb_build_object('labels', 'Each label is 1 to 32 characters, without commas')));
    end if;
    if not v_label = any (v_out) then
      v_out := v_out || v_label;
    end if;
  end loop;
  if cardinality(v_out) > 10 then
    perform raise_app_error('invalid', 'A task has at most 10 labels.',
      jsonb_build_object('fields', jsonb_build_object('labels', 'At most 10 labels')));
  end if;
  return v_out;
end $$;

-- The rank that places a task in p_status's lane just before p_before (the
-- midpoint between that card and the one above it), or at the end of the
-- lane when p_before is null. p_task is the task being placed, left out of
-- its own neighbours. A p_before that is not in that lane is refused: the
-- board it was chosen on is out of date.
create or replace function lane_rank(p_workspace_id uuid, p_status text, p_before uuid, p_task uuid) returns numeric
language plpgsql stable as $$
declare
  v_next numeric;
  v_prev numeric;
begin
  if p_before is null then
    select max(rank) + 1 into v_next from tasks
    where workspace_id = p_workspace_id and status = p_status and id <> p_task;
    return coalesce(v_next, (select min(rank) from tasks where workspace_id = p_workspace_id), 0);
  end if;
  if p_before = p_task then
    perform raise_app_error('invalid', 'A card cannot be placed before itself.');
  end if;
  select rank into v_next from tasks where id = p_before and workspace_id = p_workspace_id and status = p_status;
  if not found then
    perform raise_app_error('conflict', 'The card it was placed next to is no longer in that lane; reload the board and try again.',
      jsonb_build_object('before', p_before, 'status', p_status));
  end if;
  select max(rank) into v_prev from tasks
  where workspace_id = p_workspace_id and status = p_status and id <> p_task
    and rank < v_next;
  -- Exact: numeric keeps every digit of a product, so the midpoint lies strictly between.
  return case when v_prev is null then v_next - 1 else (v_prev + v_next) * 0.5 end;
end $$;

create or replace function create_task(p_workspace_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_status text := coalesce(p_fields->>'status', 'inbox');
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if v_status not in ('planning', 'inbox', 'assigned') then
    perform raise_app_error('invalid', 'New tasks start in planning, inbox or assigned.',
      jsonb_build_object('fields', jsonb_build_object('status', 'Choose planning, inbox or assigned')));
  end if;
  perform check_assignee(p_workspace_id, (p_fields->>'assigned_agent_id')::uuid);
  perform check_task_type((p_fields->>'task_type_id')::uuid);
  if nullif(p_fields->>'parent_id', '') is not null
     and not exists (select 1 from tasks p where p.id = (p_fields->>'parent_id')::uuid and p.workspace_id = p_workspace_id and p.deleted_at is null) then
    perform raise_app_error('invalid', 'The parent task is not in this workspace.',
      jsonb_build_object('fields', jsonb_build_object('parent_id', 'Choose a task of this workspace')));
  end if;
  if v_status = 'assigned' and nullif(p_fields->>'assigned_agent_id', '') is null then
    perform raise_app_error('invalid', 'Choose an agent before assigning the task.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Required when the status is assigned')));
  end if;
  -- A new task goes to the top of its lane, as in Linear: above the workspace's first card.
  insert into tasks (workspace_id, title, description, status, priority, assigned_agent_id, due_at, created_by, task_type_id,
                     labels, rank, parent_id)
  values (p_workspace_id, btrim(p_fields->>'title'), coalesce(p_fields->>'description', ''), v_status,
          coalesce(p_fields->>'priority', 'normal'), (p_fields->>'assigned_agent_id')::uuid,
          (p_fields->>'due_at')::timestamptz, case when p_actor->>'type' = 'user' then (p_actor->>'id')::uuid end,
          (p_fields->>'task_type_id')::uuid, task_labels(p_fields->'labels'),
          coalesce((select min(rank) - 1 from tasks where workspace_id = p_workspace_id), 0),
          nullif(p_fields->>'parent_id', '')::uuid)
  returning * into v_task;
  insert into task_activities (task_id, type, message, actor_type, actor_id, actor_name)
  values (v_task.id, 'created', 'Task created', coalesce(p_actor->>'type', 'system'),
          (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  perform emit_event('task.created', p_workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'priority', v_task.priority));
  return jsonb_build_object('id', v_task.id, 'status', v_task.status);
end $$;

-- Edits a task; a change of its type or agent goes through the governance guard.
create or replace function update_task(p_task_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old tasks;
  v_new tasks;
  v_changed jsonb;
  v_governance jsonb;
  v_rank numeric;
begin
  select * into v_old from tasks where id = p_task_id and deleted_at is null for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  -- 'before' places the card in its (new) lane: before that card, or at the
  -- end of the lane when it is null. Without it a task keeps its rank.
  if p_fields ? 'before' then
    v_rank := lane_rank(v_old.workspace_id, coalesce(p_fields->>'status', v_old.status),
                        (p_fields->>'before')::uuid, p_task_id);
  end if;
  if p_fields ? 'assigned_agent_id' then
    perform check_assignee(v_old.workspace_id, (p_fields->>'assigned_agent_id')::uuid);
  end if;
  perform check_task_type((p_fields->>'task_type_id')::uuid);
  if coalesce(p_fields->>'status', v_old.status) in ('assigned', 'in_progress')
     and (case when p_fields ? 'assigned_agent_id' then (p_fields->>'assigned_agent_id')::uuid else v_old.assigned_agent_id end) is null then
    perform raise_app_error('invalid', 'Choose an agent before assigning the task.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Required while the task is assigned or in progress')));
  end if;
  -- Read only when the write may change it: a status move never does.
  if p_fields ?| array['task_type_id', 'assigned_agent_id'] then
    v_governance := task_governance(p_task_id);
  end if;
  update tasks set
    title = case when p_fields ? 'title' then btrim(p_fields->>'title') else title end,
    description = case when p_fields ? 'description' then coalesce(p_fields->>'description', '') else description end,
    priority = case when p_fields ? 'priority' then p_fields->>'priority' else priority end,
    assigned_agent_id = case when p_fields ? 'assigned_agent_id' then (p_fields->>'assigned_agent_id')::uuid else assigned_agent_id end,
    due_at = case when p_fields ? 'due_at' then (p_fields->>'due_at')::timestamptz else due_at end,
    status = case when p_fields ? 'status' then p_fields->>'status' else status end,
    task_type_id = case when p_fields ? 'task_type_id' then (p_fields->>'task_type_id')::uuid else task_type_id end,
    labels = case when p_fields ? 'labels' then task_labels(p_fields->'labels') else labels end,
    rank = coalesce(v_rank, rank)
  where id = p_task_id
  returning * into v_new;

  select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) into v_changed
  from jsonb_each(to_jsonb(v_new)) n
  where key in ('title', 'description', 'priority', 'assigned_agent_id', 'due_at', 'status', 'task_type_id', 'labels', 'rank')
    and n.value is distinct from to_jsonb(v_old)->key;
  if v_changed = '{}'::jsonb then
    return jsonb_build_object('id', v_new.id, 'status', v_new.status, 'changed', '[]'::jsonb);
  end if;
  if v_changed ?| array['task_type_id', 'assigned_agent_id'] then
    perform settle_governance_change(p_task_id, v_governance, p_actor,
                                     case when v_changed ? 'task_type_id' then 'task_type_id' else 'assigned_agent_id' end);
  end if;

  if v_changed ? 'status' then
    insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
    values (p_task_id, 'status_changed', format('Moved from %s to %s', status_label(v_old.status), status_label(v_new.status)),
            jsonb_build_object('from', v_old.status, 'to', v_new.status),
            coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  end if;
  -- A new place in the lane is not news for the feed: only the task.updated event below tells other boards.
  if v_changed - 'status' - 'rank' <> '{}'::jsonb then
    insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
    values (p_task_id, 'updated', 'Updated ' || (select string_agg(task_field_label(k), ', ' order by k)
                                                  from jsonb_object_keys(v_changed - 'status' - 'rank') k),
            jsonb_build_object('fields', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed - 'status' - 'rank') k)),
            coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  end if;
  perform emit_event('task.updated', v_new.workspace_id, v_new.id, v_new.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_new.title, 'status', v_new.status, 'from_status', v_old.status,
                       'changed', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed) k)));
  return jsonb_build_object('id', v_new.id, 'status', v_new.status,
                            'changed', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed) k));
end $$;

-- Deleting a task hides it everywhere (board, task page, agent API, dispatch,
-- heartbeat, approvals) for an undo window, then purge_deleted_tasks removes
-- it for good. Its usage stays in the ledger and keeps counting toward spend.
-- The row says how many requests it takes out of the inbox.
create or replace function delete_task(p_task_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_pending int;
begin
  update tasks set deleted_at = now()
  where id = p_task_id and deleted_at is null returning * into v_task;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  select count(*) into v_pending from approvals where task_id = p_task_id and status = 'pending';
  perform append_audit('task.deleted', p_actor, jsonb_build_object('task_id', v_task.id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'task_type_id', v_task.task_type_id, 'pending_approvals', v_pending));
  perform emit_event('task.deleted', v_task.workspace_id, v_task.id, null, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  return jsonb_build_object('id', v_task.id, 'deleted', true, 'deleted_at', v_task.deleted_at);
end $$;

-- The undo of a delete: the task comes back exactly as it was (nothing was
-- removed), as long as the purge has not run yet.
create or replace function restore_task(p_task_id uuid, p_workspace_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  update tasks set deleted_at = null
  where id = p_task_id and workspace_id = p_workspace_id and deleted_at is not null returning * into v_task;
  if not found then
    if exists (select 1 from tasks where id = p_task_id and workspace_id = p_workspace_id) then
      perform raise_app_error('conflict', 'This task is not deleted.');
    end if;
    perform raise_app_error('not_found', 'This task can no longer be restored: its undo window has passed.');
  end if;
  perform append_audit('task.restored', p_actor, jsonb_build_object('task_id', v_task.id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  perform emit_event('task.restored', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  return jsonb_build_object('id', v_task.id, 'title', v_task.title, 'status', v_task.status);
end $$;

-- The end of the undo window: deleted tasks older than it go for good, with
-- their activity and deliverables; usage records keep their spend (task_id
-- becomes null). The deletion itself was audited when it happened.
create or replace function purge_deleted_tasks(p_older_than_s int, p_limit int default 100) returns int
language plpgsql as $$
declare
  v_n int;
begin
  with gone as (
    delete from tasks where id in (
      select id from tasks
      where deleted_at is not null and deleted_at < now() - make_interval(secs => greatest(p_older_than_s, 0))
      order by deleted_at limit greatest(p_limit, 1)
    ) returning 1
  )
  select count(*)::int into v_n from gone;
  return v_n;
end $$;

create or replace function find_task_by_session(p_session_key text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'status', status, 'current_run_id', current_run_id, 'workspace_id', workspace_id)
  from tasks where session_key = p_session_key and deleted_at is null
$$;

-- A task refused for its budget needs a human (raise the budget, retry).
create or replace function get_needs_you(p_workspace_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_card_json(t, ag) || jsonb_build_object('pending_approvals', coalesce(p.n, 0))
                            order by t.priority_rank, t.updated_at desc), '[]'::jsonb)
  from (
    select t0.* from tasks t0
    where t0.workspace_id = p_workspace_id and t0.deleted_at is null
      and t0.id in (select t1.id from tasks t1
                    where t1.workspace_id = p_workspace_id and t1.alert_reason is not null
                      and t1.alert_reason in ('dispatch_failed', 'stalled', 'checks_failed', 'no_checkable_deliverable', 'run_failed', 'lease_expired', 'budget_exceeded')
                    union
                    select ap.task_id from approvals ap where ap.status = 'pending' and ap.expires_at > now())
    order by t0.priority_rank, t0.updated_at desc
    limit least(greatest(p_limit, 1), 100)
  ) t
  left join agents ag on ag.id = t.assigned_agent_id
  left join lateral (select count(*)::int as n from approvals ap where ap.task_id = t.id and ap.status = 'pending' and ap.expires_at > now()) p on true
$$;

-- The list view: the tasks that pass p_filter, one page, sorted by a column
-- (title, status, priority, assignee, type, due, updated, cost; anything else
-- is the board's order: lane, then rank), with the total for the pager.
create or replace function list_tasks(p_workspace_id uuid, p_filter jsonb, p_sort text, p_dir text, p_limit int, p_offset int)
returns jsonb
language sql stable as $$
  with f as materialized (select search_patterns(p_filter->>'q') as patterns, filter_today(p_filter) as today),
  matching as (
    select t.*, a.name as agent_name, tt.name as type_name, tt.id as type_id
    from tasks t
    cross join f
    left join agents a on a.id = t.assigned_agent_id
    left join task_types tt on tt.id = t.task_type_id
    where t.workspace_id = p_workspace_id and t.deleted_at is null and task_matches(t, p_filter, f.patterns, f.today)
  ),
  page as (
    select m.*, row_number() over (order by
      case when p_dir = 'asc' then case p_sort when 'title' then lower(m.title) when 'assignee' then lower(m.agent_name)
                                               when 'type' then lower(coalesce(m.type_name, '')) end end asc nulls last,
      case when p_dir = 'desc' then case p_sort when 'title' then lower(m.title) when 'assignee' then lower(m.agent_name)
                                                when 'type' then lower(coalesce(m.type_name, '')) end end desc nulls last,
      case when p_dir = 'asc' then case p_sort when 'status' then status_position(m.status) when 'priority' then m.priority_rank end end asc,
      case when p_dir = 'desc' then case p_sort when 'status' then status_position(m.status) when 'priority' then m.priority_rank end end desc,
      case when p_dir = 'asc' then case p_sort when 'due' then m.due_at when 'updated' then m.updated_at end end asc nulls last,
      case when p_dir = 'desc' then case p_sort when 'due' then m.due_at when 'updated' then m.updated_at end end desc nulls last,
      case when p_dir = 'asc' and p_sort = 'cost' then m.estimated_cost end asc,
      case when p_dir = 'desc' and p_sort = 'cost' then m.estimated_cost end desc,
      status_position(m.status), m.rank, m.updated_at desc, m.id) as n
    from matching m
  )
  select jsonb_build_object(
    'total', (select count(*)::int from matching),
    'rows', (select coalesce(jsonb_agg(task_card_json(t, a) || jsonb_build_object(
                      'task_type', case when p.type_id is null then null else jsonb_build_object('id', p.type_id, 'name', p.type_name) end)
                    order by p.n), '[]'::jsonb)
             from page p
             join tasks t on t.id = p.id
             left join agents a on a.id = t.assigned_agent_id
             where p.n > greatest(p_offset, 0) and p.n <= greatest(p_offset, 0) + least(greatest(p_limit, 1), 200)))
$$;

-- Saved views: a user's named board queries in one workspace.
create or replace function list_saved_views(p_workspace_id uuid, p_user_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'name', v.name, 'query', v.query) order by lower(v.name), v.id), '[]'::jsonb)
  from saved_views v where v.workspace_id = p_workspace_id and v.user_id = p_user_id
$$;

-- Saving under a name the user already has in this workspace replaces its
-- query; at most 30 views a user a workspace.
create or replace function save_view(p_workspace_id uuid, p_user_id uuid, p_name text, p_query text) returns jsonb
language plpgsql as $$
declare
  v_view saved_views;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if p_name is null or char_length(btrim(p_name)) not between 1 and 60 then
    perform raise_app_error('invalid', 'A view needs a name of 1 to 60 characters.',
      jsonb_build_object('fields', jsonb_build_object('name', 'A name of 1 to 60 characters')));
  end if;
  if p_query is null or char_length(p_query) > 2000 then
    perform raise_app_error('invalid', 'That view is too long to save.');
  end if;
  -- One writer at a time per user and workspace, so the limit holds under concurrent saves.
  perform pg_advisory_xact_lock(hashtextextended(p_workspace_id::text || p_user_id::text, 0));
  if not exists (select 1 from saved_views where workspace_id = p_workspace_id and user_id = p_user_id and name = btrim(p_name))
     and (select count(*) from saved_views where workspace_id = p_workspace_id and user_id = p_user_id) >= 30 then
    perform raise_app_error('conflict', 'You have 30 saved views here; delete one first.');
  end if;
  insert into saved_views (workspace_id, user_id, name, query)
  values (p_workspace_id, p_user_id, btrim(p_name), p_query)
  on conflict (workspace_id, user_id, name) do update set query = excluded.query, updated_at = now()
  returning * into v_view;
  return jsonb_build_object('id', v_view.id, 'name', v_view.name, 'query', v_view.query);
end $$;

-- Only its owner deletes a view; another user's, or one in another workspace, is not found.
create or replace function delete_saved_view(p_workspace_id uuid, p_user_id uuid, p_view_id uuid) returns jsonb
language plpgsql as $$
begin
  delete from saved_views where id = p_view_id and workspace_id = p_workspace_id and user_id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'Saved view not found.');
  end if;
  return jsonb_build_object('id', p_view_id, 'deleted', true);
end $$;

-- The labels in use in a workspace, for the filter's choices: the 200 most used.
create or replace function list_task_labels(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(label order by label), '[]'::jsonb)
  from (select l as label from tasks t, unnest(t.labels) l
        where t.workspace_id = p_workspace_id and t.labels <> '{}' and t.deleted_at is null
        group by l order by count(*) desc, l limit 200) x
$$;

-- ---------------------------------------------------------------------------
-- Operator uploads: files an operator attaches to a task for its agent
-- ---------------------------------------------------------------------------

create or replace function task_upload_json(u task_uploads) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', u.id, 'task_id', u.task_id, 'path', u.path, 'size_bytes', u.size_bytes, 'sha256', u.sha256,
                            'uploaded_by', u.uploaded_by, 'uploaded_by_name', u.uploaded_by_name, 'created_at', u.created_at)
$$;

create or replace function list_task_uploads(p_task_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_upload_json(u) order by u.created_at, u.path), '[]'::jsonb)
  from task_uploads u where u.task_id = p_task_id
$$;

-- Records a file already stored in the task's folder. Operators and up; not
-- once the task is done or cancelled (its agent no longer reads them).
create or replace function add_task_upload(p_task_id uuid, p_path text, p_size bigint, p_sha256 text, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_task tasks;
  v_row task_uploads;
  v_actor jsonb;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role not in ('operator', 'approver', 'admin') then
    perform raise_app_error('forbidden', 'Attaching files needs the operator role.');
  end if;
  select * into v_task from tasks where id = p_task_id and deleted_at is null for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.status in ('done', 'cancelled') then
    perform raise_app_error('conflict', format('The task is %s: files can no longer be attached.', lower(status_label(v_task.status))));
  end if;
  v_actor := jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name);
  insert into task_uploads (task_id, path, size_bytes, sha256, uploaded_by, uploaded_by_name)
  values (p_task_id, p_path, p_size, p_sha256, v_user.id, v_user.name)
  returning * into v_row;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, 'file_uploaded', format('Attached %s', p_path), jsonb_build_object('upload_id', v_row.id, 'path', p_path, 'size_bytes', p_size),
          'user', v_user.id, v_user.name);
  perform append_audit('task.file_uploaded', v_actor, jsonb_build_object('task_id', p_task_id, 'workspace_id', v_task.workspace_id),
                       jsonb_build_object('upload_id', v_row.id, 'path', p_path, 'size_bytes', p_size, 'sha256', p_sha256));
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, v_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["uploads"]'::jsonb));
  return task_upload_json(v_row);
end $$;

-- Removes an upload's record (the caller then removes the file): its
-- uploader, or an admin.
create or replace function delete_task_upload(p_upload_id uuid, p_task_id uuid, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_row task_uploads;
  v_task tasks;
  v_actor jsonb;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role not in ('operator', 'approver', 'admin') then
    perform raise_app_error('forbidden', 'Removing files needs the operator role.');
  end if;
  select * into v_row from task_uploads where id = p_upload_id and task_id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'That file is not attached to this task.');
  end if;
  if v_row.uploaded_by is distinct from v_user.id and v_user.role <> 'admin' then
    perform raise_app_error('forbidden', 'Only the person who attached a file, or an admin, removes it.');
  end if;
  delete from task_uploads where id = p_upload_id;
  select * into v_task from tasks where id = p_task_id;
  v_actor := jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name);
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, 'file_removed', format('Removed %s', v_row.path), jsonb_build_object('path', v_row.path), 'user', v_user.id, v_user.name);
  perform append_audit('task.file_removed', v_actor, jsonb_build_object('task_id', p_task_id, 'workspace_id', v_task.workspace_id),
                       jsonb_build_object('upload_id', v_row.id, 'path', v_row.path, 'uploaded_by', v_row.uploaded_by_name));
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, v_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["uploads"]'::jsonb));
  return task_upload_json(v_row);
end $$;

-- The outcome of the task's latest deliverable checks, each result with its
-- deliverable's title: what the testing stage recorded when it sent the task
-- on (or back). Null before any check ran.
create or replace function get_task_checks(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('verdict', substr(a.type, 8), 'checked_at', a.created_at,
    'results', coalesce((select jsonb_agg(r || jsonb_build_object('title', d.title, 'url', d.url, 'path', d.path) order by ord)
                         from jsonb_array_elements(a.metadata->'results') with ordinality as x(r, ord)
                         left join task_deliverables d on d.id::text = r->>'deliverable_id' and d.task_id = p_task_id), '[]'::jsonb))
  from task_activities a
  where a.task_id = p_task_id and a.type in ('checks_pass', 'checks_fail', 'checks_partial', 'checks_none_checkable')
  order by a.created_at desc
  limit 1
$$;

-- The command palette's task search: tasks of one workspace whose title
-- contains every word of the text, in any order (search_patterns, as the
-- board's search: any case; % and _ match themselves), the most recently
-- changed first, at most p_limit (1-50).
create or replace function search_tasks(p_workspace_id uuid, p_query text, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status) order by t.updated_at desc, t.id), '[]'::jsonb)
  from (
    select t0.id, t0.title, t0.status, t0.updated_at
    from (select search_patterns(p_query) as patterns) f, tasks t0
    where f.patterns is not null and t0.workspace_id = p_workspace_id and t0.deleted_at is null
      and t0.title ilike all (f.patterns)
    order by t0.updated_at desc, t0.id
    limit least(greatest(p_limit, 1), 50)
  ) t
$$;

-- ---------------------------------------------------------------------------
-- Dependencies and subtasks (decision 044)

create or replace function task_link_json(t tasks) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status, 'open', t.status not in ('done', 'cancelled'))
$$;

-- A task's links: what it waits on, what waits on it, its parent, its subtasks and their progress (cancelled subtasks do not count).
create or replace function get_task_links(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'blocked', task_is_blocked(p_task_id),
    'blocked_by', coalesce((select jsonb_agg(task_link_json(b) order by d.created_at)
                            from task_dependencies d join tasks b on b.id = d.blocked_by_id
                            where d.task_id = p_task_id and b.deleted_at is null), '[]'::jsonb),
    'blocking', coalesce((select jsonb_agg(task_link_json(x) order by d.created_at)
                          from task_dependencies d join tasks x on x.id = d.task_id
                          where d.blocked_by_id = p_task_id and x.deleted_at is null), '[]'::jsonb),
    'parent', (select task_link_json(p) from tasks c join tasks p on p.id = c.parent_id where c.id = p_task_id and p.deleted_at is null),
    'subtasks', coalesce((select jsonb_agg(task_link_json(s) order by s.created_at)
                          from tasks s where s.parent_id = p_task_id and s.deleted_at is null), '[]'::jsonb),
    'progress', (select jsonb_build_object('done', count(*) filter (where s.status = 'done'), 'total', count(*) filter (where s.status <> 'cancelled'))
                 from tasks s where s.parent_id = p_task_id and s.deleted_at is null))
$$;

-- The task a link names, in the same workspace as p_task and not deleted; refused otherwise.
create or replace function linked_task(p_task tasks, p_other_id uuid, p_field text) returns tasks
language plpgsql stable as $$
declare
  v_other tasks;
begin
  select * into v_other from tasks where id = p_other_id and deleted_at is null;
  if not found or v_other.workspace_id <> p_task.workspace_id then
    perform raise_app_error('invalid', 'Choose a task of the same workspace.',
      jsonb_build_object('fields', jsonb_build_object(p_field, 'Choose a task of this workspace')));
  end if;
  if v_other.id = p_task.id then
    perform raise_app_error('invalid', 'A task cannot be linked to itself.', jsonb_build_object('fields', jsonb_build_object(p_field, 'Choose another task')));
  end if;
  return v_other;
end $$;

-- A link would close this chain of tasks (the first and last are the same): refused, naming it.
create or replace function refuse_link_cycle(p_path uuid[], p_field text) returns void
language plpgsql as $$
begin
  perform raise_app_error('conflict',
    format('That would make a cycle: %s.', (select string_agg(t.title, ' → ' order by o.n) from unnest(p_path) with ordinality o(id, n) join tasks t on t.id = o.id)),
    jsonb_build_object('cycle', to_jsonb(p_path), 'fields', jsonb_build_object(p_field, 'That would make a cycle')));
end $$;

-- "p_task_id waits on p_blocked_by_id". Refused when the blocker already waits
-- on the task through any chain, with that chain (titles joined by →, ids in
-- detail.cycle). Link changes in a workspace take turns, so two concurrent
-- links can never close a cycle between them.
create or replace function add_task_dependency(p_task_id uuid, p_blocked_by_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_blocker tasks;
  v_path uuid[];
  v_added boolean;
begin
  select * into v_task from tasks where id = p_task_id and deleted_at is null;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  v_blocker := linked_task(v_task, p_blocked_by_id, 'blocked_by');
  perform pg_advisory_xact_lock(hashtext('mc.task_links:' || v_task.workspace_id::text));
  with recursive walk(id, path) as (
    select v_blocker.id, array[v_blocker.id]
    union all
    select d.blocked_by_id, w.path || d.blocked_by_id
    from walk w join task_dependencies d on d.task_id = w.id
    where not d.blocked_by_id = any(w.path)
  )
  select path into v_path from walk where id = v_task.id limit 1;
  if v_path is not null then
    perform refuse_link_cycle(array[v_task.id] || v_path, 'blocked_by');
  end if;
  insert into task_dependencies (task_id, blocked_by_id, created_by_type, created_by_name)
  values (v_task.id, v_blocker.id, coalesce(p_actor->>'type', 'system'), left(coalesce(p_actor->>'name', ''), 200))
  on conflict do nothing;
  v_added := found;
  if v_added then
    perform log_task_activity(v_task.id, 'dependency_added', format('Waits on “%s”', v_blocker.title),
      jsonb_build_object('blocked_by', v_blocker.id), p_actor);
    perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
      jsonb_build_object('title', v_task.title, 'status', v_task.status, 'changed', '["blocked_by"]'::jsonb));
  end if;
  return get_task_links(v_task.id) || jsonb_build_object('added', v_added);
end $$;

create or replace function remove_task_dependency(p_task_id uuid, p_blocked_by_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_title text;
begin
  select * into v_task from tasks where id = p_task_id and deleted_at is null;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  perform pg_advisory_xact_lock(hashtext('mc.task_links:' || v_task.workspace_id::text));
  delete from task_dependencies where task_id = p_task_id and blocked_by_id = p_blocked_by_id;
  if not found then
    perform raise_app_error('not_found', 'This task does not wait on that one.');
  end if;
  select title into v_title from tasks where id = p_blocked_by_id;
  perform log_task_activity(v_task.id, 'dependency_removed', format('No longer waits on “%s”', coalesce(v_title, 'a deleted task')),
    jsonb_build_object('blocked_by', p_blocked_by_id), p_actor);
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'changed', '["blocked_by"]'::jsonb));
  return get_task_links(v_task.id);
end $$;

-- A subtask's parent (null: none). Refused across workspaces and when the
-- parent is the task or one of its own subtasks (down any depth), with that chain.
create or replace function set_task_parent(p_task_id uuid, p_parent_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_parent tasks;
  v_path uuid[];
begin
  select * into v_task from tasks where id = p_task_id and deleted_at is null for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  perform pg_advisory_xact_lock(hashtext('mc.task_links:' || v_task.workspace_id::text));
  if p_parent_id is not null then
    v_parent := linked_task(v_task, p_parent_id, 'parent_id');
    with recursive up(id, path) as (
      select v_parent.id, array[v_parent.id]
      union all
      select t.parent_id, u.path || t.parent_id from up u join tasks t on t.id = u.id
      where t.parent_id is not null and not t.parent_id = any(u.path)
    )
    select path into v_path from up where id = v_task.id limit 1;
    if v_path is not null then
      perform refuse_link_cycle(array[v_task.id] || v_path, 'parent_id');
    end if;
  end if;
  if v_task.parent_id is not distinct from p_parent_id then
    return get_task_links(v_task.id);
  end if;
  update tasks set parent_id = p_parent_id where id = v_task.id;
  perform log_task_activity(v_task.id, 'parent_changed',
    case when v_parent.id is null then 'No longer a subtask' else format('Subtask of “%s”', v_parent.title) end,
    jsonb_build_object('parent_id', p_parent_id), p_actor);
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'changed', '["parent_id"]'::jsonb));
  return get_task_links(v_task.id);
end $$;
