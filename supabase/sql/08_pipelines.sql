-- Pipelines: templates and their stages, tasks created on a pipeline, one
-- gateway session per stage, and the advance from one stage to the next
-- (docs/decisions/009).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function pipeline_stage_json(s pipeline_stages) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', s.id, 'position', s.position, 'name', s.name, 'autonomy_level', s.autonomy_level,
    'gate_advance', s.gate_advance, 'agent', (select jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji,
                                                                         'openclaw_agent_id', a.openclaw_agent_id)
                                               from agents a where a.id = s.agent_id))
$$;

create or replace function pipeline_json(p pipelines) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', p.id, 'workspace_id', p.workspace_id, 'name', p.name, 'description', p.description,
    'created_at', p.created_at, 'updated_at', p.updated_at,
    'stages', (select coalesce(jsonb_agg(pipeline_stage_json(s) order by s.position), '[]'::jsonb)
               from pipeline_stages s where s.pipeline_id = p.id))
$$;

create or replace function get_pipeline(p_pipeline_id uuid) returns jsonb
language sql stable as $$
  select pipeline_json(p) from pipelines p where p.id = p_pipeline_id
$$;

-- Every pipeline of a workspace with, per stage, its open tasks by status and
-- the oldest waiting one (not being worked on): where work piles up.
create or replace function list_pipelines(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(pipeline_json(p) || jsonb_build_object(
    'done', (select count(*)::int from tasks t where t.pipeline_id = p.id and t.status = 'done' and t.deleted_at is null),
    'open', (select count(*)::int from tasks t where t.pipeline_id = p.id and t.status not in ('done', 'cancelled') and t.deleted_at is null),
    'load', (select coalesce(jsonb_agg(jsonb_build_object(
                'stage_id', s.id, 'position', s.position,
                'by_status', (select coalesce(jsonb_object_agg(x.status, x.n), '{}'::jsonb)
                              from (select t.status, count(*)::int as n from tasks t
                                    where t.stage_id = s.id and t.status not in ('done', 'cancelled') and t.deleted_at is null group by t.status) x),
                'open', (select count(*)::int from tasks t where t.stage_id = s.id and t.status not in ('done', 'cancelled') and t.deleted_at is null),
                'oldest_waiting_at', (select min(t.status_changed_at) from tasks t
                                      where t.stage_id = s.id and t.status in ('planning', 'inbox', 'assigned', 'testing', 'review') and t.deleted_at is null))
              order by s.position), '[]'::jsonb)
             from pipeline_stages s where s.pipeline_id = p.id))
    order by p.name), '[]'::jsonb)
  from pipelines p where p.workspace_id = p_workspace_id
$$;

create or replace function check_pipeline_name(p_workspace_id uuid, p_name text, p_except uuid) returns void
language plpgsql as $$
begin
  if p_name is null or char_length(btrim(p_name)) not between 1 and 80 then
    perform raise_app_error('invalid', 'Give the pipeline a name (1–80 characters).',
      jsonb_build_object('fields', jsonb_build_object('name', 'Required, at most 80 characters')));
  end if;
  if exists (select 1 from pipelines where workspace_id = p_workspace_id and name = btrim(p_name) and id is distinct from p_except) then
    perform raise_app_error('invalid', 'A pipeline with this name already exists in the workspace.',
      jsonb_build_object('fields', jsonb_build_object('name', 'Already used in this workspace')));
  end if;
end $$;

create or replace function create_pipeline(p_workspace_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_p pipelines;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  perform check_pipeline_name(p_workspace_id, p_fields->>'name', null);
  if char_length(coalesce(p_fields->>'description', '')) > 2000 then
    perform raise_app_error('invalid', 'The description is too long.', jsonb_build_object('fields', jsonb_build_object('description', 'At most 2000 characters')));
  end if;
  insert into pipelines (workspace_id, name, description)
  values (p_workspace_id, btrim(p_fields->>'name'), coalesce(p_fields->>'description', '')) returning * into v_p;
  perform append_audit('pipeline.created', p_actor, jsonb_build_object('pipeline_id', v_p.id, 'workspace_id', p_workspace_id),
    jsonb_build_object('name', v_p.name));
  return pipeline_json(v_p);
end $$;

create or replace function update_pipeline(p_pipeline_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_p pipelines;
begin
  select * into v_p from pipelines where id = p_pipeline_id for update;
  if not found then
    perform raise_app_error('not_found', 'Pipeline not found.');
  end if;
  if p_fields ? 'name' then
    perform check_pipeline_name(v_p.workspace_id, p_fields->>'name', v_p.id);
  end if;
  if char_length(coalesce(p_fields->>'description', '')) > 2000 then
    perform raise_app_error('invalid', 'The description is too long.', jsonb_build_object('fields', jsonb_build_object('description', 'At most 2000 characters')));
  end if;
  update pipelines set name = case when p_fields ? 'name' then btrim(p_fields->>'name') else name end,
                       description = case when p_fields ? 'description' then coalesce(p_fields->>'description', '') else description end
  where id = p_pipeline_id returning * into v_p;
  perform append_audit('pipeline.changed', p_actor, jsonb_build_object('pipeline_id', v_p.id), p_fields);
  return pipeline_json(v_p);
end $$;

create or replace function delete_pipeline(p_pipeline_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_p pipelines;
begin
  select * into v_p from pipelines where id = p_pipeline_id for update;
  if not found then
    perform raise_app_error('not_found', 'Pipeline not found.');
  end if;
  -- Deleted tasks in their undo window do not hold a pipeline back: they go with it.
  delete from tasks where pipeline_id = p_pipeline_id and deleted_at is not null;
  if exists (select 1 from tasks where pipeline_id = p_pipeline_id) then
    perform raise_app_error('conflict', 'Tasks use this pipeline; it cannot be deleted while they exist.');
  end if;
  delete from pipelines where id = p_pipeline_id;
  perform append_audit('pipeline.deleted', p_actor, jsonb_build_object('pipeline_id', v_p.id), jsonb_build_object('name', v_p.name));
  return jsonb_build_object('id', v_p.id, 'deleted', true);
end $$;

-- Validates the given stage fields against the pipeline's workspace (absent keys are not checked).
create or replace function check_stage_fields(p_workspace_id uuid, p_fields jsonb) returns void
language plpgsql as $$
declare
  v_errors jsonb := '{}'::jsonb;
begin
  if p_fields ? 'name' and (p_fields->>'name' is null or char_length(btrim(p_fields->>'name')) not between 1 and 80) then
    v_errors := v_errors || jsonb_build_object('name', 'Required, at most 80 characters');
  end if;
  if p_fields ? 'agent_id' and not exists (
       select 1 from agents where id::text = p_fields->>'agent_id' and workspace_id = p_workspace_id) then
    v_errors := v_errors || jsonb_build_object('agent_id', 'Choose an agent of this workspace');
  end if;
  if p_fields ? 'autonomy_level' and coalesce(p_fields->>'autonomy_level', '') not in ('hitl', 'hotl', 'autonomous') then
    v_errors := v_errors || jsonb_build_object('autonomy_level', 'Choose hitl, hotl or autonomous');
  end if;
  if p_fields ? 'gate_advance' and jsonb_typeof(p_fields->'gate_advance') <> 'boolean' then
    v_errors := v_errors || jsonb_build_object('gate_advance', 'Must be true or false');
  end if;
  if v_errors <> '{}'::jsonb then
    perform raise_app_error('invalid', 'Check the stage: ' || (select string_agg(value #>> '{}', '; ') from jsonb_each(v_errors)) || '.',
      jsonb_build_object('fields', v_errors));
  end if;
end $$;

create or replace function add_pipeline_stage(p_pipeline_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_p pipelines;
  v_s pipeline_stages;
begin
  select * into v_p from pipelines where id = p_pipeline_id for update;
  if not found then
    perform raise_app_error('not_found', 'Pipeline not found.');
  end if;
  perform check_stage_fields(v_p.workspace_id, jsonb_build_object('name', p_fields->'name', 'agent_id', p_fields->'agent_id') || p_fields);
  if (select count(*) from pipeline_stages where pipeline_id = p_pipeline_id) >= 50 then
    perform raise_app_error('invalid', 'A pipeline has at most 50 stages.');
  end if;
  insert into pipeline_stages (pipeline_id, position, name, agent_id, autonomy_level, gate_advance)
  values (p_pipeline_id, (select coalesce(max(position), 0) + 1 from pipeline_stages where pipeline_id = p_pipeline_id),
          btrim(p_fields->>'name'), (p_fields->>'agent_id')::uuid, coalesce(p_fields->>'autonomy_level', 'hitl'),
          coalesce((p_fields->>'gate_advance')::boolean, true))
  returning * into v_s;
  perform append_audit('pipeline.stage_added', p_actor, jsonb_build_object('pipeline_id', p_pipeline_id, 'stage_id', v_s.id),
    pipeline_stage_json(v_s));
  return pipeline_stage_json(v_s);
end $$;

-- Edits a stage. A less supervised level or an ungated advance is an
-- approver's act; the waiting requests of the tasks at the stage are settled.
create or replace function update_pipeline_stage(p_stage_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old pipeline_stages;
  v_s pipeline_stages;
  v_ws uuid;
  v_lowered jsonb;
  v_waiting jsonb := '{}'::jsonb;
begin
  select s.* into v_old from pipeline_stages s where s.id = p_stage_id for update;
  if not found then
    perform raise_app_error('not_found', 'Stage not found.');
  end if;
  select workspace_id into v_ws from pipelines where id = v_old.pipeline_id;
  perform check_stage_fields(v_ws, p_fields);
  v_lowered := supervision_lowered(jsonb_build_object('autonomy_level', v_old.autonomy_level, 'gate_advance', v_old.gate_advance),
                                   jsonb_build_object('autonomy_level', coalesce(p_fields->>'autonomy_level', v_old.autonomy_level),
                                                      'gate_advance', coalesce((p_fields->>'gate_advance')::boolean, v_old.gate_advance)));
  perform refuse_unapproved_lowering(p_actor, format('the supervision of stage %s', v_old.name), v_lowered);
  if p_fields ?| array['autonomy_level', 'gate_advance'] then
    select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
    from tasks t where t.stage_id = p_stage_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
  end if;
  update pipeline_stages set
    name = case when p_fields ? 'name' then btrim(p_fields->>'name') else name end,
    agent_id = case when p_fields ? 'agent_id' then (p_fields->>'agent_id')::uuid else agent_id end,
    autonomy_level = coalesce(p_fields->>'autonomy_level', autonomy_level),
    gate_advance = coalesce((p_fields->>'gate_advance')::boolean, gate_advance)
  where id = p_stage_id returning * into v_s;
  perform append_audit('pipeline.stage_changed', p_actor,
    jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id, 'workspace_id', v_ws),
    jsonb_build_object('from', pipeline_stage_json(v_old), 'to', pipeline_stage_json(v_s), 'lowered', v_lowered));
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'pipeline_stage') from jsonb_each(v_waiting) w;
  return pipeline_stage_json(v_s);
end $$;

-- Swaps a stage with its neighbour (p_direction -1 = earlier, 1 = later).
create or replace function move_pipeline_stage(p_stage_id uuid, p_direction int, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_s pipeline_stages;
  v_other pipeline_stages;
begin
  select * into v_s from pipeline_stages where id = p_stage_id for update;
  if not found then
    perform raise_app_error('not_found', 'Stage not found.');
  end if;
  if p_direction not in (-1, 1) then
    perform raise_app_error('invalid', 'Move a stage one place up or down.');
  end if;
  select * into v_other from pipeline_stages where pipeline_id = v_s.pipeline_id and position = v_s.position + p_direction for update;
  if not found then
    return pipeline_stage_json(v_s);
  end if;
  update pipeline_stages set position = case when id = v_s.id then v_other.position else v_s.position end
  where id in (v_s.id, v_other.id);
  perform append_audit('pipeline.stage_moved', p_actor, jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id),
    jsonb_build_object('from', v_s.position, 'to', v_other.position));
  return get_pipeline(v_s.pipeline_id);
end $$;

create or replace function delete_pipeline_stage(p_stage_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_s pipeline_stages;
begin
  select * into v_s from pipeline_stages where id = p_stage_id for update;
  if not found then
    perform raise_app_error('not_found', 'Stage not found.');
  end if;
  delete from tasks where stage_id = p_stage_id and deleted_at is not null;
  if exists (select 1 from tasks where stage_id = p_stage_id) then
    perform raise_app_error('conflict', 'Tasks are at this stage; move them on before deleting it.');
  end if;
  delete from pipeline_stages where id = p_stage_id;
  update pipeline_stages set position = position - 1 where pipeline_id = v_s.pipeline_id and position > v_s.position;
  perform append_audit('pipeline.stage_deleted', p_actor, jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id),
    jsonb_build_object('name', v_s.name, 'position', v_s.position));
  return get_pipeline(v_s.pipeline_id);
end $$;

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

create or replace function record_stage_finisher() returns trigger
language plpgsql as $$
begin
  update task_stage_runs r set advanced_by_type = new.actor_type, advanced_by_id = new.actor_id, advanced_by_name = new.actor_name
  where r.id = (select id from task_stage_runs where task_id = new.task_id order by started_at desc, id desc limit 1)
    and r.finished_at is not null and r.advanced_by_type is null;
  return new;
end $$;

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

-- Asks to advance a task in review to its next stage: at once when the gate
-- allows, else one approval per review round (an existing one is returned).
create or replace function request_stage_advance(p_task_id uuid, p_actor jsonb, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_next pipeline_stages;
  v_gate jsonb;
  v_a approvals;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.stage_id is null or v_task.status <> 'review' then
    perform raise_app_error('conflict', 'Only a pipeline task in review can advance to its next stage.', jsonb_build_object('status', v_task.status));
  end if;
  v_next := next_stage(v_task);
  if v_next.id is null then
    perform raise_app_error('conflict', 'This is the last stage: mark the task done instead.');
  end if;
  v_gate := task_gate(p_task_id, 'stage_advance');
  if v_gate->>'gate' = 'allow' then
    return advance_task_stage(p_task_id, p_actor) || jsonb_build_object('gate', 'allow');
  end if;
  v_a := gated_approval(v_task, 'task.stage_advance');
  if v_a.id is null or v_a.status not in ('pending', 'approved') then
    v_a := request_system_approval(v_task, 'task.stage_advance',
      jsonb_build_object('task_id', v_task.id, 'from_stage_id', v_task.stage_id, 'to_stage_id', v_next.id,
                         'to_position', v_next.position, 'to_stage_name', v_next.name),
      v_gate, case when p_actor->>'type' = 'user' then (p_actor->>'id')::uuid end, p_ttl_seconds);
  end if;
  return jsonb_build_object('id', v_task.id, 'advanced', false, 'gate', v_gate->>'gate', 'approval', approval_json(v_a));
end $$;

-- Heartbeat: a pipeline task whose stage work reached review (and that nobody
-- has asked about this round) advances, or gets its approval request.
create or replace function request_stage_advances(p_limit int, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_id uuid;
  v_out jsonb := '[]'::jsonb;
  v_r jsonb;
begin
  for v_id in
    select t.id from tasks t
    where t.status = 'review' and t.stage_id is not null and t.deleted_at is null and (next_stage(t)).id is not null
      and (next_stage(t)).agent_id is not null
      and not exists (select 1 from approvals ap where ap.task_id = t.id and ap.action = 'task.stage_advance'
                      and ap.created_at >= t.status_changed_at)
    order by t.status_changed_at limit greatest(p_limit, 0)
    for update of t skip locked
  loop
    v_r := request_stage_advance(v_id, '{"type":"system","name":"pipeline"}'::jsonb, p_ttl_seconds);
    v_out := v_out || jsonb_build_object('task_id', v_id, 'advanced', v_r->'advanced', 'mode', v_r->>'gate',
                                         'approval_id', v_r#>>'{approval,id}');
  end loop;
  return v_out;
end $$;
