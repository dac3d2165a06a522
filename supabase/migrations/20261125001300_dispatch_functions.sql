-- Dispatch: claim (SKIP LOCKED) → gateway call in the app → mark dispatched
-- or record the failure. A claim holds the task for p_claim_seconds, so a
-- crash between claim and mark only delays the task; it is never lost.

create or replace function claim_tasks_for_dispatch(p_limit int, p_claim_seconds int, p_task_id uuid default null)
returns jsonb language plpgsql as $$
declare
  v_claimed jsonb;
begin
  with ready as (
    select t.id
    from tasks t
    join agents a on a.id = t.assigned_agent_id
    where t.status = 'assigned'
      and (p_task_id is null or t.id = p_task_id)
      and (p_task_id is not null or t.next_dispatch_at is null or t.next_dispatch_at <= now())
      and (p_task_id is not null or t.alert_reason is distinct from 'dispatch_failed')
      and (t.claimed_until is null or t.claimed_until < now())
      and a.openclaw_agent_id is not null
      and a.status <> 'offline'
    order by t.priority_rank, t.created_at, t.id
    limit greatest(p_limit, 0)
    for update of t skip locked
  ), claimed as (
    -- The session key is set at claim time, so a run that finishes before the
    -- dispatch is recorded can still be matched to its task.
    update tasks t set claimed_until = now() + make_interval(secs => p_claim_seconds),
                       dispatch_attempts = t.dispatch_attempts + 1,
                       session_key = 'agent:' || a.openclaw_agent_id || ':mc-task-' || t.id
    from ready, agents a where t.id = ready.id and a.id = t.assigned_agent_id
    returning t.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'workspace_id', c.workspace_id, 'title', c.title, 'description', c.description,
    'priority', c.priority, 'due_at', c.due_at, 'planning_spec', c.planning_spec,
    'dispatch_count', c.dispatch_count, 'dispatch_attempts', c.dispatch_attempts, 'session_key', c.session_key,
    'agent', jsonb_build_object('id', a.id, 'name', a.name, 'openclaw_agent_id', a.openclaw_agent_id, 'model', a.model))
    order by c.priority_rank, c.created_at), '[]'::jsonb)
  into v_claimed
  from claimed c join agents a on a.id = c.assigned_agent_id;
  return v_claimed;
end $$;

-- Why a task that the caller asked to dispatch cannot be claimed (for a clear 409).
create or replace function explain_not_dispatchable(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('status', t.status,
    'reason', case
      when t.status <> 'assigned' then 'not_assigned'
      when t.assigned_agent_id is null then 'no_agent'
      when a.openclaw_agent_id is null then 'agent_has_no_openclaw_id'
      when a.status = 'offline' then 'agent_offline'
      when t.claimed_until > now() then 'dispatch_in_progress'
      else 'unknown' end)
  from tasks t left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id
$$;

create or replace function mark_task_dispatched(p_task_id uuid, p_run_id text, p_session_key text, p_lease_seconds int)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  update tasks set status = 'in_progress', current_run_id = p_run_id, session_key = p_session_key,
                   dispatch_count = dispatch_count + 1, dispatch_attempts = 0, claimed_until = null,
                   next_dispatch_at = null, last_dispatch_error = null, dispatched_at = now(),
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   last_activity_at = now(), stall_flagged_at = null,
                   alert_reason = case when alert_reason in ('dispatch_failed', 'dispatch_retrying', 'lease_expired', 'run_failed') then null else alert_reason end
  where id = p_task_id and status = 'assigned'
  returning * into v_task;
  if not found then
    perform raise_app_error('conflict', 'The task left the assigned status while it was being dispatched.');
  end if;
  update agents set status = 'working' where id = v_task.assigned_agent_id and status <> 'offline';
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
  values (p_task_id, 'dispatched', 'Dispatched to the agent', jsonb_build_object('run_id', p_run_id, 'session_key', p_session_key), 'system', 'dispatcher');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"dispatcher"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', 'assigned', 'changed', '["status"]'::jsonb, 'run_id', p_run_id));
  perform emit_event('agent.updated', v_task.workspace_id, null, v_task.assigned_agent_id, '{"type":"system","name":"dispatcher"}'::jsonb,
    jsonb_build_object('status', 'working'));
  return jsonb_build_object('id', v_task.id, 'status', v_task.status, 'run_id', p_run_id, 'session_key', p_session_key);
end $$;

-- A failed gateway call: retry after p_retry_seconds, or park the task with an
-- alert once p_max_attempts is reached. The reason is machine-readable.
create or replace function record_dispatch_failure(p_task_id uuid, p_reason text, p_retry_seconds int, p_max_attempts int)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_parked boolean;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  v_parked := v_task.dispatch_attempts >= p_max_attempts;
  update tasks set claimed_until = null, last_dispatch_error = left(p_reason, 2000),
                   next_dispatch_at = case when v_parked then null else now() + make_interval(secs => p_retry_seconds) end,
                   alert_reason = case when v_parked then 'dispatch_failed' else 'dispatch_retrying' end
  where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
  values (p_task_id, 'dispatch_failed',
          case when v_parked then format('Dispatch failed %s times (%s). Parked until someone retries.', v_task.dispatch_attempts, p_reason)
               else format('Dispatch attempt %s failed (%s). Retrying in %s s.', v_task.dispatch_attempts, p_reason, p_retry_seconds) end,
          jsonb_build_object('reason', p_reason, 'attempt', v_task.dispatch_attempts, 'parked', v_parked), 'system', 'dispatcher');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"dispatcher"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["alert_reason"]'::jsonb,
                       'alert_reason', v_task.alert_reason, 'reason', p_reason));
  return jsonb_build_object('id', v_task.id, 'parked', v_parked, 'attempts', v_task.dispatch_attempts, 'alert_reason', v_task.alert_reason);
end $$;

-- One-click recovery of a parked task: clear the alert and make it ready now,
-- optionally with another agent.
create or replace function retry_dispatch(p_task_id uuid, p_agent_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.status <> 'assigned' then
    perform raise_app_error('conflict', format('Only an assigned task can be dispatched; this one is %s.', v_task.status));
  end if;
  if p_agent_id is not null then
    perform check_assignee(v_task.workspace_id, p_agent_id);
  end if;
  update tasks set assigned_agent_id = coalesce(p_agent_id, assigned_agent_id), alert_reason = null,
                   dispatch_attempts = 0, next_dispatch_at = null, claimed_until = null, last_dispatch_error = null
  where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, actor_type, actor_id, actor_name)
  values (p_task_id, 'dispatch_retry', case when p_agent_id is null then 'Dispatch retried' else 'Reassigned and retried' end,
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'from_status', v_task.status, 'changed', '["alert_reason"]'::jsonb));
  return jsonb_build_object('id', v_task.id, 'status', v_task.status);
end $$;

create or replace function count_dispatchable() returns jsonb
language sql stable as $$
  select jsonb_build_object('ready', count(*)::int)
  from tasks t join agents a on a.id = t.assigned_agent_id
  where t.status = 'assigned' and (t.next_dispatch_at is null or t.next_dispatch_at <= now())
    and t.alert_reason is distinct from 'dispatch_failed' and (t.claimed_until is null or t.claimed_until < now())
    and a.openclaw_agent_id is not null and a.status <> 'offline'
$$;
