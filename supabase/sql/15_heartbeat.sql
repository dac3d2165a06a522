-- The heartbeat: expired leases, stalled tasks, its own run log, and the lease
-- row that stands in for the advisory lock on the Supabase HTTP transport.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function list_expired_leases(p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'run_id', t.current_run_id, 'session_key', t.session_key,
                                               'lease_expires_at', t.lease_expires_at) order by t.lease_expires_at), '[]'::jsonb)
  from (select * from tasks where status = 'in_progress' and deleted_at is null and lease_expires_at < now() order by lease_expires_at limit greatest(p_limit, 0)) t
$$;

create or replace function extend_lease(p_task_id uuid, p_lease_seconds int) returns jsonb
language sql as $$
  update tasks set lease_expires_at = now() + make_interval(secs => p_lease_seconds)
  where id = p_task_id and status = 'in_progress';
  select jsonb_build_object('id', p_task_id, 'extended', true);
$$;

-- A lease that ran out with no live run behind it: hand the task back to the
-- dispatcher (same session key, so the agent keeps its context).
create or replace function requeue_expired_task(p_task_id uuid) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and status = 'in_progress' and deleted_at is null and lease_expires_at < now() for update;
  if not found then
    return jsonb_build_object('id', p_task_id, 'changed', false);
  end if;
  update tasks set status = 'assigned', alert_reason = 'lease_expired', lease_expires_at = null, next_dispatch_at = now()
  where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, actor_type, actor_name)
  values (p_task_id, 'lease_expired', 'The run''s lease expired with no result; queued for another dispatch.', 'system', 'heartbeat');
  update agents set status = 'standby'
  where id = v_task.assigned_agent_id and status = 'working'
    and not exists (select 1 from tasks where assigned_agent_id = v_task.assigned_agent_id and status = 'in_progress');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"heartbeat"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', 'assigned', 'from_status', 'in_progress', 'changed', '["status","alert_reason"]'::jsonb));
  return jsonb_build_object('id', p_task_id, 'changed', true);
end $$;

create or replace function list_stalled_tasks(p_minutes int, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'session_key', t.session_key, 'last_activity_at', t.last_activity_at,
                                               'openclaw_agent_id', a.openclaw_agent_id, 'title', t.title,
                                               'halt', dispatch_halt(t)) order by t.last_activity_at), '[]'::jsonb)
  from (select * from tasks
        where status = 'in_progress' and deleted_at is null and stall_flagged_at is null and last_activity_at < now() - make_interval(mins => p_minutes)
        order by last_activity_at limit greatest(p_limit, 0)) t
  left join agents a on a.id = t.assigned_agent_id
$$;

-- Flags a stall once: the alert stays until the agent shows activity again.
create or replace function flag_stall(p_task_id uuid, p_minutes int) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks
  where id = p_task_id and status = 'in_progress' and deleted_at is null and stall_flagged_at is null
    and last_activity_at < now() - make_interval(mins => p_minutes)
  for update;
  if not found then
    return jsonb_build_object('id', p_task_id, 'flagged', false);
  end if;
  update tasks set stall_flagged_at = now(), alert_reason = coalesce(alert_reason, 'stalled') where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
  values (p_task_id, 'stalled', format('No activity for %s minutes.', p_minutes), jsonb_build_object('minutes', p_minutes), 'system', 'heartbeat');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"heartbeat"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["alert_reason"]'::jsonb, 'alert_reason', 'stalled'));
  return jsonb_build_object('id', p_task_id, 'flagged', true);
end $$;

create or replace function record_heartbeat_run(p_trigger text, p_instance text, p_started_at timestamptz, p_duration_ms int,
                                                p_actions jsonb, p_gateway_calls int)
returns jsonb language plpgsql as $$
declare
  v_id uuid;
begin
  insert into heartbeat_runs (trigger, instance, started_at, finished_at, duration_ms, actions, gateway_calls)
  values (p_trigger, p_instance, p_started_at, p_started_at + make_interval(secs => p_duration_ms / 1000.0), p_duration_ms, p_actions, p_gateway_calls)
  returning id into v_id;
  perform emit_event('heartbeat.completed', null, null, null, '{"type":"system","name":"heartbeat"}'::jsonb,
    jsonb_build_object('run_id', v_id, 'actions', jsonb_array_length(p_actions), 'duration_ms', p_duration_ms));
  return jsonb_build_object('id', v_id);
end $$;

create or replace function list_heartbeat_runs(p_limit int) returns jsonb
language sql stable as $$
  -- Each action names its task by title and workspace (for a link), when the task still exists.
  select coalesce(jsonb_agg(jsonb_build_object('run_id', id, 'trigger', trigger, 'instance', instance, 'started_at', started_at,
                                               'duration_ms', duration_ms, 'gateway_calls', gateway_calls,
                                               'actions', (select coalesce(jsonb_agg(a.value || jsonb_build_object('task_title', t.title,
                                                                                                                   'workspace_slug', w.slug)
                                                                                     order by a.n), '[]'::jsonb)
                                                           from jsonb_array_elements(r.actions) with ordinality a(value, n)
                                                           left join tasks t on t.id = (a.value->>'task_id')::uuid
                                                           left join workspaces w on w.id = t.workspace_id))
                            order by started_at desc), '[]'::jsonb)
  from (select * from heartbeat_runs order by started_at desc limit least(greatest(p_limit, 1), 200)) r
$$;

create or replace function last_heartbeat_at() returns jsonb
language sql stable as $$
  select jsonb_build_object('at', max(started_at)) from heartbeat_runs
$$;

-- Takes (or renews, for the same holder) the lease for p_seconds. Concurrent
-- callers serialise on the row: exactly one gets acquired = true.
create or replace function acquire_heartbeat_lease(p_holder text, p_seconds int) returns jsonb
language plpgsql as $$
declare
  v_row heartbeat_lease;
begin
  if coalesce(p_holder, '') = '' then
    perform raise_app_error('invalid', 'A lease holder is required.');
  end if;
  update heartbeat_lease
     set holder = p_holder,
         expires_at = clock_timestamp() + make_interval(secs => least(greatest(coalesce(p_seconds, 60), 1), 86400))
   where id and (holder is null or holder = p_holder or expires_at <= clock_timestamp())
  returning * into v_row;
  if found then
    return jsonb_build_object('acquired', true, 'holder', v_row.holder, 'expires_at', v_row.expires_at);
  end if;
  select * into v_row from heartbeat_lease where id;
  return jsonb_build_object('acquired', false, 'holder', v_row.holder, 'expires_at', v_row.expires_at);
end $$;

-- Gives the lease back if p_holder still has it.
create or replace function release_heartbeat_lease(p_holder text) returns jsonb
language plpgsql as $$
begin
  update heartbeat_lease set holder = null, expires_at = '-infinity' where id and holder = p_holder;
  return jsonb_build_object('released', found);
end $$;
