-- Task templates and routines (decision 046). A template holds what a new
-- task starts with; a routine creates a task from its template at each
-- occurrence of its schedule. The app computes occurrences from the cron
-- expression and time zone (app/domain/routines.ts) and passes them in: SQL
-- cannot read cron, but it owns "exactly once" (routine_runs' unique
-- occurrence) and the task's creation in the same transaction.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`. A language sql function may call only functions
-- defined above it or in an earlier file.

-- ---------------------------------------------------------------------------
-- Templates

create or replace function task_template_json(t task_templates) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', t.id, 'workspace_id', t.workspace_id, 'name', t.name, 'title', t.title, 'description', t.description,
    'priority', t.priority, 'status', t.status, 'labels', to_jsonb(t.labels),
    'assigned_agent_id', t.assigned_agent_id, 'task_type_id', t.task_type_id,
    'agent', (select jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji) from agents a where a.id = t.assigned_agent_id),
    'task_type', (select jsonb_build_object('id', ty.id, 'name', ty.name) from task_types ty where ty.id = t.task_type_id),
    'routines', (select count(*) from routines r where r.template_id = t.id),
    'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

-- What a template may hold is what create_task accepts: an agent of the same
-- workspace, a known task type, labels as task_labels reads them, and an agent
-- when it starts assigned.
create or replace function check_template_fields(p_workspace_id uuid, p_fields jsonb) returns void
language plpgsql as $$
begin
  if char_length(btrim(coalesce(p_fields->>'name', ''))) not between 1 and 80 then
    perform raise_app_error('invalid', 'A template needs a name of at most 80 characters.',
      jsonb_build_object('fields', jsonb_build_object('name', 'A name is required')));
  end if;
  if char_length(btrim(coalesce(p_fields->>'title', ''))) not between 1 and 500 then
    perform raise_app_error('invalid', 'A template needs a task title of at most 500 characters.',
      jsonb_build_object('fields', jsonb_build_object('title', 'A title is required')));
  end if;
  if coalesce(p_fields->>'status', 'inbox') not in ('planning', 'inbox', 'assigned') then
    perform raise_app_error('invalid', 'New tasks start in planning, inbox or assigned.',
      jsonb_build_object('fields', jsonb_build_object('status', 'Choose planning, inbox or assigned')));
  end if;
  perform check_assignee(p_workspace_id, nullif(p_fields->>'assigned_agent_id', '')::uuid);
  perform check_task_type(nullif(p_fields->>'task_type_id', '')::uuid);
  if p_fields->>'status' = 'assigned' and nullif(p_fields->>'assigned_agent_id', '') is null then
    perform raise_app_error('invalid', 'Choose an agent before assigning the task.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Required when the status is assigned')));
  end if;
end $$;

create or replace function list_task_templates(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_template_json(t) order by lower(t.name), t.created_at), '[]'::jsonb)
  from task_templates t where t.workspace_id = p_workspace_id
$$;

create or replace function get_task_template(p_template_id uuid) returns jsonb
language sql stable as $$
  select task_template_json(t) from task_templates t where t.id = p_template_id
$$;

create or replace function create_task_template(p_workspace_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_t task_templates;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  perform check_template_fields(p_workspace_id, p_fields);
  insert into task_templates (workspace_id, name, title, description, priority, status, assigned_agent_id, task_type_id, labels)
  values (p_workspace_id, btrim(p_fields->>'name'), btrim(p_fields->>'title'), coalesce(p_fields->>'description', ''),
          coalesce(p_fields->>'priority', 'normal'), coalesce(p_fields->>'status', 'inbox'),
          nullif(p_fields->>'assigned_agent_id', '')::uuid, nullif(p_fields->>'task_type_id', '')::uuid, task_labels(p_fields->'labels'))
  returning * into v_t;
  perform append_audit('template.created', p_actor, jsonb_build_object('template_id', v_t.id, 'workspace_id', p_workspace_id),
    jsonb_build_object('name', v_t.name));
  return task_template_json(v_t);
end $$;

-- Replaces every field of the template (the form posts them all).
create or replace function update_task_template(p_template_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_t task_templates;
begin
  select * into v_t from task_templates where id = p_template_id for update;
  if not found then
    perform raise_app_error('not_found', 'Template not found.');
  end if;
  perform check_template_fields(v_t.workspace_id, p_fields);
  update task_templates
     set name = btrim(p_fields->>'name'), title = btrim(p_fields->>'title'), description = coalesce(p_fields->>'description', ''),
         priority = coalesce(p_fields->>'priority', 'normal'), status = coalesce(p_fields->>'status', 'inbox'),
         assigned_agent_id = nullif(p_fields->>'assigned_agent_id', '')::uuid, task_type_id = nullif(p_fields->>'task_type_id', '')::uuid,
         labels = task_labels(p_fields->'labels'), updated_at = now()
   where id = p_template_id
  returning * into v_t;
  perform append_audit('template.changed', p_actor, jsonb_build_object('template_id', v_t.id, 'workspace_id', v_t.workspace_id),
    jsonb_build_object('name', v_t.name));
  return task_template_json(v_t);
end $$;

-- Refused while a routine uses the template, naming the routines.
create or replace function delete_task_template(p_template_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_t task_templates;
  v_users text;
begin
  select * into v_t from task_templates where id = p_template_id for update;
  if not found then
    perform raise_app_error('not_found', 'Template not found.');
  end if;
  select string_agg(format('“%s”', r.name), ', ' order by r.name) into v_users from routines r where r.template_id = p_template_id;
  if v_users is not null then
    perform raise_app_error('conflict', format('Routines use this template: %s. Delete them or give them another template first.', v_users));
  end if;
  delete from task_templates where id = p_template_id;
  perform append_audit('template.deleted', p_actor, jsonb_build_object('template_id', v_t.id, 'workspace_id', v_t.workspace_id),
    jsonb_build_object('name', v_t.name));
  return jsonb_build_object('id', v_t.id, 'deleted', true);
end $$;

-- ---------------------------------------------------------------------------
-- Routines

create or replace function routine_json(r routines) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', r.id, 'workspace_id', r.workspace_id, 'template_id', r.template_id, 'name', r.name, 'schedule', r.schedule,
    'time_zone', r.time_zone, 'paused_at', r.paused_at, 'next_run_at', r.next_run_at, 'last_run_at', r.last_run_at,
    'template', (select jsonb_build_object('id', t.id, 'name', t.name, 'title', t.title) from task_templates t where t.id = r.template_id),
    'created_at', r.created_at, 'updated_at', r.updated_at)
$$;

create or replace function list_routines(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(routine_json(r) order by lower(r.name), r.created_at), '[]'::jsonb)
  from routines r where r.workspace_id = p_workspace_id
$$;

-- A routine with its latest runs (newest first), each with the task it created while that task exists.
create or replace function get_routine(p_routine_id uuid, p_runs int) returns jsonb
language sql stable as $$
  select routine_json(r) || jsonb_build_object('runs', coalesce((
    select jsonb_agg(jsonb_build_object('occurrence_at', x.occurrence_at, 'outcome', x.outcome, 'skipped_before', x.skipped_before,
                                        'created_at', x.created_at,
                                        'task', (select jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status)
                                                 from tasks t where t.id = x.task_id and t.deleted_at is null))
                     order by x.occurrence_at desc)
    from (select * from routine_runs where routine_id = r.id order by occurrence_at desc limit least(greatest(p_runs, 1), 100)) x), '[]'::jsonb))
  from routines r where r.id = p_routine_id
$$;

create or replace function check_routine_fields(p_workspace_id uuid, p_fields jsonb, p_next_run_at timestamptz) returns void
language plpgsql as $$
begin
  if char_length(btrim(coalesce(p_fields->>'name', ''))) not between 1 and 80 then
    perform raise_app_error('invalid', 'A routine needs a name of at most 80 characters.',
      jsonb_build_object('fields', jsonb_build_object('name', 'A name is required')));
  end if;
  if char_length(btrim(coalesce(p_fields->>'schedule', ''))) not between 1 and 100 then
    perform raise_app_error('invalid', 'A routine needs a schedule.', jsonb_build_object('fields', jsonb_build_object('schedule', 'A schedule is required')));
  end if;
  if char_length(coalesce(p_fields->>'time_zone', '')) not between 1 and 64 then
    perform raise_app_error('invalid', 'A routine needs a time zone.', jsonb_build_object('fields', jsonb_build_object('time_zone', 'Choose a time zone')));
  end if;
  if not exists (select 1 from task_templates where id = nullif(p_fields->>'template_id', '')::uuid and workspace_id = p_workspace_id) then
    perform raise_app_error('invalid', 'Choose a template of this workspace.',
      jsonb_build_object('fields', jsonb_build_object('template_id', 'Choose a template from the list')));
  end if;
  if p_next_run_at is null then
    perform raise_app_error('invalid', 'A routine needs its next run time.');
  end if;
end $$;

create or replace function create_routine(p_workspace_id uuid, p_fields jsonb, p_next_run_at timestamptz, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_r routines;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  perform check_routine_fields(p_workspace_id, p_fields, p_next_run_at);
  insert into routines (workspace_id, template_id, name, schedule, time_zone, next_run_at)
  values (p_workspace_id, (p_fields->>'template_id')::uuid, btrim(p_fields->>'name'), btrim(p_fields->>'schedule'), p_fields->>'time_zone', p_next_run_at)
  returning * into v_r;
  perform append_audit('routine.created', p_actor, jsonb_build_object('routine_id', v_r.id, 'workspace_id', p_workspace_id),
    jsonb_build_object('name', v_r.name, 'schedule', v_r.schedule, 'time_zone', v_r.time_zone));
  return routine_json(v_r);
end $$;

-- Replaces the routine's fields; the schedule's next run comes with them (recomputed by the app).
create or replace function update_routine(p_routine_id uuid, p_fields jsonb, p_next_run_at timestamptz, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_r routines;
begin
  select * into v_r from routines where id = p_routine_id for update;
  if not found then
    perform raise_app_error('not_found', 'Routine not found.');
  end if;
  perform check_routine_fields(v_r.workspace_id, p_fields, p_next_run_at);
  update routines
     set name = btrim(p_fields->>'name'), template_id = (p_fields->>'template_id')::uuid, schedule = btrim(p_fields->>'schedule'),
         time_zone = p_fields->>'time_zone', next_run_at = p_next_run_at, updated_at = now()
   where id = p_routine_id
  returning * into v_r;
  perform append_audit('routine.changed', p_actor, jsonb_build_object('routine_id', v_r.id, 'workspace_id', v_r.workspace_id),
    jsonb_build_object('name', v_r.name, 'schedule', v_r.schedule, 'time_zone', v_r.time_zone));
  return routine_json(v_r);
end $$;

-- Pauses, or resumes from p_next_run_at (the first occurrence after now: what fell due while paused is not made up).
create or replace function set_routine_paused(p_routine_id uuid, p_paused boolean, p_next_run_at timestamptz, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_r routines;
begin
  select * into v_r from routines where id = p_routine_id for update;
  if not found then
    perform raise_app_error('not_found', 'Routine not found.');
  end if;
  if p_paused then
    update routines set paused_at = coalesce(paused_at, now()), updated_at = now() where id = p_routine_id returning * into v_r;
  else
    if p_next_run_at is null then
      perform raise_app_error('invalid', 'A routine needs its next run time.');
    end if;
    update routines set paused_at = null, next_run_at = p_next_run_at, updated_at = now() where id = p_routine_id returning * into v_r;
  end if;
  perform append_audit(case when p_paused then 'routine.paused' else 'routine.resumed' end, p_actor,
    jsonb_build_object('routine_id', v_r.id, 'workspace_id', v_r.workspace_id), jsonb_build_object('name', v_r.name));
  return routine_json(v_r);
end $$;

create or replace function delete_routine(p_routine_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_r routines;
begin
  delete from routines where id = p_routine_id returning * into v_r;
  if not found then
    perform raise_app_error('not_found', 'Routine not found.');
  end if;
  perform append_audit('routine.deleted', p_actor, jsonb_build_object('routine_id', v_r.id, 'workspace_id', v_r.workspace_id),
    jsonb_build_object('name', v_r.name));
  return jsonb_build_object('id', v_r.id, 'deleted', true);
end $$;

-- The heartbeat's read: routines whose next run has come (one index scan on routines_due_idx).
create or replace function list_due_routines(p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'schedule', r.schedule, 'time_zone', r.time_zone,
                                               'next_run_at', r.next_run_at) order by r.next_run_at), '[]'::jsonb)
  from (select * from routines where paused_at is null and next_run_at <= now() order by next_run_at limit greatest(p_limit, 0)) r
$$;

-- One due routine's turn: creates the task for p_occurrence_at (the latest
-- occurrence that has come), records the occurrences skipped since
-- p_due_at (the next_run_at the caller read; the most recent of them in
-- p_skipped, their number in p_skipped_total), and moves next_run_at on.
-- Exactly once: the routine row is locked, a caller that read a next_run_at
-- that has since moved on does nothing, and routine_runs holds each
-- occurrence once, so an occurrence already run creates nothing. All in this
-- one transaction with the task itself.
create or replace function run_routine(p_routine_id uuid, p_due_at timestamptz, p_occurrence_at timestamptz, p_skipped jsonb,
                                       p_skipped_total int, p_next_run_at timestamptz) returns jsonb
language plpgsql as $$
declare
  v_r routines;
  v_t task_templates;
  v_run_id uuid;
  v_task jsonb;
  v_status text;
  v_actor jsonb := '{"type":"system","name":"routine"}'::jsonb;
begin
  select * into v_r from routines where id = p_routine_id for update;
  if not found then
    return jsonb_build_object('created', false, 'reason', 'gone');
  end if;
  if v_r.paused_at is not null then
    return jsonb_build_object('created', false, 'reason', 'paused');
  end if;
  -- Compared to the millisecond: the app's clock has no finer digits.
  if date_trunc('milliseconds', v_r.next_run_at) <> date_trunc('milliseconds', p_due_at) then
    return jsonb_build_object('created', false, 'reason', 'already_run');
  end if;
  if p_occurrence_at > now() or p_occurrence_at < p_due_at or p_next_run_at <= p_occurrence_at then
    perform raise_app_error('invalid', 'That occurrence is not due.',
      jsonb_build_object('occurrence_at', p_occurrence_at, 'due_at', p_due_at, 'next_run_at', p_next_run_at));
  end if;
  insert into routine_runs (routine_id, occurrence_at, outcome, skipped_before)
  values (v_r.id, p_occurrence_at, 'created', greatest(coalesce(p_skipped_total, 0), 0))
  on conflict (routine_id, occurrence_at) do nothing
  returning id into v_run_id;
  if v_run_id is not null then
    insert into routine_runs (routine_id, occurrence_at, outcome)
    select v_r.id, s.at, 'skipped'
    from (select x::timestamptz as at from jsonb_array_elements_text(coalesce(p_skipped, '[]'::jsonb)) x) s
    where s.at >= p_due_at and s.at < p_occurrence_at
    on conflict (routine_id, occurrence_at) do nothing;
    select * into v_t from task_templates where id = v_r.template_id;
    -- An agent removed since the template was saved: the task waits in the inbox instead.
    v_status := case when v_t.status = 'assigned' and v_t.assigned_agent_id is null then 'inbox' else v_t.status end;
    v_task := create_task(v_r.workspace_id,
      jsonb_build_object('title', v_t.title, 'description', v_t.description, 'priority', v_t.priority, 'status', v_status,
                         'assigned_agent_id', v_t.assigned_agent_id, 'task_type_id', v_t.task_type_id, 'labels', to_jsonb(v_t.labels)),
      v_actor);
    update routine_runs set task_id = (v_task->>'id')::uuid where id = v_run_id;
    perform log_task_activity((v_task->>'id')::uuid, 'routine_run', format('Created by the routine “%s”', v_r.name),
      jsonb_build_object('routine_id', v_r.id, 'occurrence_at', p_occurrence_at), v_actor);
  end if;
  update routines set next_run_at = p_next_run_at, last_run_at = case when v_run_id is null then last_run_at else now() end
   where id = v_r.id;
  return jsonb_build_object('created', v_run_id is not null, 'reason', case when v_run_id is null then 'already_run' end,
                            'task_id', v_task->>'id', 'skipped', greatest(coalesce(p_skipped_total, 0), 0));
end $$;
