-- Pipeline templates: create, edit, reorder and read, with form-ready errors.

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
    'done', (select count(*)::int from tasks t where t.pipeline_id = p.id and t.status = 'done'),
    'open', (select count(*)::int from tasks t where t.pipeline_id = p.id and t.status not in ('done', 'cancelled')),
    'load', (select coalesce(jsonb_agg(jsonb_build_object(
                'stage_id', s.id, 'position', s.position,
                'by_status', (select coalesce(jsonb_object_agg(x.status, x.n), '{}'::jsonb)
                              from (select t.status, count(*)::int as n from tasks t
                                    where t.stage_id = s.id and t.status not in ('done', 'cancelled') group by t.status) x),
                'open', (select count(*)::int from tasks t where t.stage_id = s.id and t.status not in ('done', 'cancelled')),
                'oldest_waiting_at', (select min(t.status_changed_at) from tasks t
                                      where t.stage_id = s.id and t.status in ('planning', 'inbox', 'assigned', 'testing', 'review')))
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

create or replace function update_pipeline_stage(p_stage_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old pipeline_stages;
  v_s pipeline_stages;
  v_ws uuid;
begin
  select s.* into v_old from pipeline_stages s where s.id = p_stage_id for update;
  if not found then
    perform raise_app_error('not_found', 'Stage not found.');
  end if;
  select workspace_id into v_ws from pipelines where id = v_old.pipeline_id;
  perform check_stage_fields(v_ws, p_fields);
  update pipeline_stages set
    name = case when p_fields ? 'name' then btrim(p_fields->>'name') else name end,
    agent_id = case when p_fields ? 'agent_id' then (p_fields->>'agent_id')::uuid else agent_id end,
    autonomy_level = coalesce(p_fields->>'autonomy_level', autonomy_level),
    gate_advance = coalesce((p_fields->>'gate_advance')::boolean, gate_advance)
  where id = p_stage_id returning * into v_s;
  perform append_audit('pipeline.stage_changed', p_actor, jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id),
    jsonb_build_object('from', pipeline_stage_json(v_old), 'to', pipeline_stage_json(v_s)));
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
  if exists (select 1 from tasks where stage_id = p_stage_id) then
    perform raise_app_error('conflict', 'Tasks are at this stage; move them on before deleting it.');
  end if;
  delete from pipeline_stages where id = p_stage_id;
  update pipeline_stages set position = position - 1 where pipeline_id = v_s.pipeline_id and position > v_s.position;
  perform append_audit('pipeline.stage_deleted', p_actor, jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id),
    jsonb_build_object('name', v_s.name, 'position', v_s.position));
  return get_pipeline(v_s.pipeline_id);
end $$;
