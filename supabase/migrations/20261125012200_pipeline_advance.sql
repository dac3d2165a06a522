-- Tasks on a pipeline: creation at stage 1, one gateway session per stage,
-- and the advance from one stage to the next (decision 009).

-- Stage 1 (and every task outside a pipeline) keeps the original key, so
-- nothing changes for existing sessions; a later stage gets its own session.
create or replace function task_session_key(p_openclaw_agent_id text, p_task_id uuid, p_stage int) returns text
language sql immutable as $$
  select 'agent:' || p_openclaw_agent_id || ':mc-task-' || p_task_id || case when p_stage > 1 then '-s' || p_stage else '' end
$$;

create or replace function task_stage_position(p_task tasks) returns int
language sql stable as $$
  select position from pipeline_stages where id = p_task.stage_id
$$;

-- Each stage's run gets its own session (the dispatch message names the stage: dispatch_extras, below).
create or replace function dispatch_session_key(p_openclaw_agent_id text, p_task tasks) returns text
language sql stable as $$
  select task_session_key(p_openclaw_agent_id, p_task.id, task_stage_position(p_task))
$$;

create or replace function open_stage_run(p_task tasks, p_stage pipeline_stages) returns void
language plpgsql as $$
declare
  v_agent agents;
begin
  select * into v_agent from agents where id = p_stage.agent_id;
  insert into task_stage_runs (task_id, stage_id, position, stage_name, agent_id, agent_name, session_key)
  values (p_task.id, p_stage.id, p_stage.position, p_stage.name, v_agent.id, coalesce(v_agent.name, ''),
          case when v_agent.openclaw_agent_id is not null then task_session_key(v_agent.openclaw_agent_id, p_task.id, p_stage.position) end);
end $$;

create or replace function first_stage(p_pipeline_id uuid) returns pipeline_stages
language sql stable as $$
  select * from pipeline_stages where pipeline_id = p_pipeline_id order by position limit 1
$$;

create or replace function next_stage(p_task tasks) returns pipeline_stages
language sql stable as $$
  select n.* from pipeline_stages cur join pipeline_stages n on n.pipeline_id = cur.pipeline_id and n.position > cur.position
  where cur.id = p_task.stage_id order by n.position limit 1
$$;

-- A task on a pipeline: created like any task, at stage 1, assigned to stage 1's agent.
create or replace function create_pipeline_task(p_workspace_id uuid, p_pipeline_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_stage pipeline_stages;
  v_created jsonb;
  v_task tasks;
begin
  if not exists (select 1 from pipelines where id = p_pipeline_id and workspace_id = p_workspace_id) then
    perform raise_app_error('invalid', 'Unknown pipeline.', jsonb_build_object('fields', jsonb_build_object('pipeline_id', 'Choose a pipeline of this workspace')));
  end if;
  v_stage := first_stage(p_pipeline_id);
  if v_stage.id is null or v_stage.agent_id is null then
    perform raise_app_error('invalid', 'The pipeline''s first stage needs an agent.',
      jsonb_build_object('fields', jsonb_build_object('pipeline_id', 'Add a first stage with an agent to this pipeline')));
  end if;
  v_created := create_task(p_workspace_id, p_fields || jsonb_build_object('assigned_agent_id', v_stage.agent_id,
                                                                           'status', coalesce(nullif(p_fields->>'status', ''), 'assigned')), p_actor);
  update tasks set pipeline_id = p_pipeline_id, stage_id = v_stage.id where id = (v_created->>'id')::uuid returning * into v_task;
  perform open_stage_run(v_task, v_stage);
  return v_created || jsonb_build_object('stage', pipeline_stage_json(v_stage));
end $$;

-- The advance itself: closes the current stage's run and hands the task to
-- the next stage's agent as a fresh dispatch on that stage's own session
-- (the heartbeat dispatches it). Only from review; callers apply the gate.
create or replace function advance_task_stage(p_task_id uuid, p_actor jsonb, p_approval_id uuid default null) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_from pipeline_stages;
  v_next pipeline_stages;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.stage_id is null then
    perform raise_app_error('conflict', 'This task is not on a pipeline.');
  end if;
  if v_task.status <> 'review' then
    perform raise_app_error('conflict', 'A stage advances once its work is in review.', jsonb_build_object('status', v_task.status));
  end if;
  select * into v_from from pipeline_stages where id = v_task.stage_id;
  v_next := next_stage(v_task);
  if v_next.id is null then
    perform raise_app_error('conflict', 'This is the last stage: mark the task done instead.');
  end if;
  if v_next.agent_id is null then
    perform raise_app_error('conflict', format('Stage %s has no agent; choose one in the pipeline first.', v_next.name));
  end if;
  update task_stage_runs set finished_at = clock_timestamp(), session_key = coalesce(v_task.session_key, session_key),
         advanced_by_type = coalesce(p_actor->>'type', 'system'), advanced_by_id = (p_actor->>'id')::uuid,
         advanced_by_name = coalesce(p_actor->>'name', ''), approval_id = p_approval_id
  where task_id = v_task.id and finished_at is null;
  -- The previous stage's agent loses its task-scoped tokens and its session.
  delete from task_tokens where task_id = v_task.id;
  update tasks set status = 'assigned', stage_id = v_next.id, assigned_agent_id = v_next.agent_id,
                   session_key = null, current_run_id = null, dispatch_attempts = 0, next_dispatch_at = null,
                   claimed_until = null, lease_expires_at = null, completed_at = null, stall_flagged_at = null,
                   alert_reason = null, last_activity_at = now()
  where id = v_task.id returning * into v_task;
  perform open_stage_run(v_task, v_next);
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (v_task.id, 'stage_advanced', format('Advanced from stage %s (%s) to stage %s (%s)', v_from.position, v_from.name, v_next.position, v_next.name),
          jsonb_build_object('from_stage', v_from.id, 'to_stage', v_next.id, 'approval_id', p_approval_id),
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', 'assigned', 'from_status', 'review',
                       'changed', '["status","assigned_agent_id","stage"]'::jsonb, 'stage', v_next.position, 'stage_name', v_next.name));
  return jsonb_build_object('id', v_task.id, 'advanced', true, 'status', 'assigned',
                            'from_stage', pipeline_stage_json(v_from), 'stage', pipeline_stage_json(v_next));
end $$;

-- The last stage's run ends with the task; who finished it comes from the
-- status_changed activity every writer logs next to the move.
create or replace function close_final_stage_run() returns trigger
language plpgsql as $$
begin
  update task_stage_runs set finished_at = clock_timestamp(), session_key = coalesce(new.session_key, session_key)
  where task_id = new.id and finished_at is null;
  return new;
end $$;
create trigger tasks_close_final_stage after update of status on tasks
  for each row when (new.status = 'done' and old.status is distinct from 'done' and new.stage_id is not null)
  execute function close_final_stage_run();

create or replace function record_stage_finisher() returns trigger
language plpgsql as $$
begin
  update task_stage_runs r set advanced_by_type = new.actor_type, advanced_by_id = new.actor_id, advanced_by_name = new.actor_name
  where r.id = (select id from task_stage_runs where task_id = new.task_id order by started_at desc, id desc limit 1)
    and r.finished_at is not null and r.advanced_by_type is null;
  return new;
end $$;
create trigger task_activities_stage_finisher after insert on task_activities
  for each row when (new.type = 'status_changed' and new.metadata->>'to' = 'done') execute function record_stage_finisher();

-- review → done is for the last stage only: earlier stages advance instead.
-- (Named to fire before tasks_done_gate: triggers run in name order.)
create or replace function enforce_stage_done() returns trigger
language plpgsql as $$
begin
  if new.status = 'done' and old.status = 'review' and new.stage_id is not null and (next_stage(new)).id is not null then
    perform raise_app_error('conflict', 'This task has more stages: advance it to the next stage instead of marking it done.',
      jsonb_build_object('needs_stage_advance', true));
  end if;
  return new;
end $$;
create trigger tasks_advance_before_done before update of status on tasks
  for each row execute function enforce_stage_done();

-- The stage chips on a card and the stage in a task's JSON.
create or replace function task_pipeline_json(t tasks) returns jsonb
language sql stable as $$
  select case when t.stage_id is null then null else (
    select jsonb_build_object('id', p.id, 'name', p.name, 'stage_id', t.stage_id,
      'position', (select position from pipeline_stages where id = t.stage_id),
      'stages', (select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'position', s.position, 'name', s.name) order by s.position), '[]'::jsonb)
                 from pipeline_stages s where s.pipeline_id = p.id))
    from pipelines p where p.id = t.pipeline_id) end
$$;

-- The claimed task carries its pipeline, so the dispatch message can name the stage.
create or replace function dispatch_extras(p_task tasks) returns jsonb
language sql stable as $$
  select jsonb_build_object('pipeline', task_pipeline_json(p_task))
$$;

create or replace function task_card_json(t tasks, a agents) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority,
    'due_at', t.due_at, 'alert_reason', t.alert_reason, 'created_at', t.created_at,
    'updated_at', t.updated_at, 'status_changed_at', t.status_changed_at,
    'token_usage', t.token_usage, 'estimated_cost', t.estimated_cost, 'cost_provenance', t.cost_provenance,
    'assignee', case when a.id is null then null
                     else jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji, 'status', a.status) end,
    'pipeline', task_pipeline_json(t))
$$;

-- The task's way through its pipeline: one entry per stage run, with the
-- usage recorded on that stage's session or for one of its runs.
create or replace function task_stage_timeline(p_task_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', r.id, 'position', r.position, 'stage_name', r.stage_name, 'stage_id', r.stage_id,
    'agent', case when r.agent_id is null and r.agent_name = '' then null else jsonb_build_object('id', r.agent_id, 'name', r.agent_name) end,
    'session_key', coalesce(r.session_key, case when r.finished_at is null then t.session_key end),
    'started_at', r.started_at, 'finished_at', r.finished_at,
    'advanced_by', case when r.advanced_by_type is null then null
                        else jsonb_build_object('type', r.advanced_by_type, 'id', r.advanced_by_id, 'name', r.advanced_by_name) end,
    'approval_id', r.approval_id,
    'tokens', coalesce(u.tokens, 0), 'cost_usd', u.cost, 'usage_records', coalesce(u.n, 0))
    order by r.started_at, r.id), '[]'::jsonb)
  from task_stage_runs r
  join tasks t on t.id = r.task_id
  cross join lateral (select coalesce(r.session_key, case when r.finished_at is null then t.session_key end) as key) k
  left join lateral (
    select sum(ur.input_tokens + ur.output_tokens + ur.cache_read_tokens + ur.cache_write_tokens)::bigint as tokens,
           sum(ur.cost_usd) as cost, count(*)::int as n
    from usage_records ur
    where ur.task_id = r.task_id
      -- By run first: usage that arrives after the stage moved on still names its run.
      and (ur.run_id in (select x.metadata->>'run_id' from task_activities x
                         where x.task_id = r.task_id and x.type = 'dispatched' and x.metadata->>'session_key' = k.key)
           or (ur.session_key = k.key
               and not exists (select 1 from task_activities x
                               where x.task_id = r.task_id and x.type = 'dispatched' and x.metadata->>'run_id' = ur.run_id)))
  ) u on true
  where r.task_id = p_task_id
$$;
