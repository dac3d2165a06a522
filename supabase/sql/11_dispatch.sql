-- Dispatch: claiming ready tasks for the gateway (gated, budgeted), recording
-- the result, task-scoped tokens, retries and why a task is not dispatched.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function issue_task_token(p_token_hash text, p_task_id uuid, p_agent_id uuid, p_ttl_seconds int) returns jsonb
language plpgsql as $$
begin
  delete from task_tokens where expires_at < now();
  insert into task_tokens (token_hash, task_id, agent_id, expires_at)
  values (p_token_hash, p_task_id, p_agent_id, now() + make_interval(secs => p_ttl_seconds));
  return jsonb_build_object('ok', true);
end $$;

-- Claims ready tasks for dispatch. Gated tasks need their approval; candidates are
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
    where t.status = 'assigned' and t.deleted_at is null
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

-- A granted dispatch needs no new request on rework (task_gate reads the grant).
create or replace function dispatch_allowed(p_task tasks) returns boolean
language sql stable as $$
  select not dispatch_gated_type(p_task)
      or (task_gate(p_task.id, 'dispatch')->>'gate') = 'allow'
      or exists (select 1 from approvals ap where ap.task_id = p_task.id and ap.action = 'task.dispatch'
                 and ap.created_at >= p_task.status_changed_at and ap.status = 'approved')
$$;

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
      when not dispatch_allowed(t) then 'needs_approval'
      when t.alert_reason = 'budget_exceeded' then 'budget_exceeded'
      else 'unknown' end,
    'message', case when t.alert_reason = 'budget_exceeded' then t.last_dispatch_error end)
  from tasks t left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id and t.deleted_at is null
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

-- Retries a failed dispatch, optionally with another agent: a reassignment is governed like the edit form's.
create or replace function retry_dispatch(p_task_id uuid, p_agent_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_governance jsonb;
  v_reassigned boolean;
begin
  select * into v_task from tasks where id = p_task_id and deleted_at is null for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.status <> 'assigned' then
    perform raise_app_error('conflict', format('Only an assigned task can be dispatched; this one is %s.', v_task.status));
  end if;
  if p_agent_id is not null then
    perform check_assignee(v_task.workspace_id, p_agent_id);
  end if;
  v_reassigned := p_agent_id is not null and p_agent_id is distinct from v_task.assigned_agent_id;
  if v_reassigned then
    v_governance := task_governance(p_task_id);
  end if;
  update tasks set assigned_agent_id = coalesce(p_agent_id, assigned_agent_id), alert_reason = null,
                   dispatch_attempts = 0, next_dispatch_at = null, claimed_until = null, last_dispatch_error = null
  where id = p_task_id returning * into v_task;
  if v_reassigned then
    perform settle_governance_change(p_task_id, v_governance, p_actor, 'agent_id');
  end if;
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
  where t.status = 'assigned' and t.deleted_at is null and (t.next_dispatch_at is null or t.next_dispatch_at <= now())
    and t.alert_reason is distinct from 'dispatch_failed'
    and (t.alert_reason is distinct from 'budget_exceeded' or t.next_dispatch_at is not null)
    and (t.claimed_until is null or t.claimed_until < now())
    and a.openclaw_agent_id is not null and a.status <> 'offline' and dispatch_allowed(t)
$$;

-- Gated dispatch: the heartbeat asks for approval for ready tasks whose
-- dispatch is gated; claim_tasks_for_dispatch takes them once approved.
create or replace function request_gated_dispatches(p_limit int, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_out jsonb := '[]'::jsonb;
  v_a approvals;
begin
  for v_task in
    -- Only due tasks whose type gates dispatch: the gate itself is evaluated for those alone.
    select t.* from tasks t join agents a on a.id = t.assigned_agent_id
    join task_types ty on ty.id = t.task_type_id and 'dispatch' = any(ty.gated_actions)
    where t.status = 'assigned' and t.deleted_at is null and a.openclaw_agent_id is not null and a.status <> 'offline'
      and (t.next_dispatch_at is null or t.next_dispatch_at <= now())
      and not dispatch_allowed(t)
      and not exists (select 1 from approvals ap where ap.task_id = t.id and ap.action = 'task.dispatch'
                      and ap.created_at >= t.status_changed_at and ap.status = 'pending')
    order by t.priority_rank, t.created_at limit greatest(p_limit, 0)
    for update of t skip locked
  loop
    v_a := request_system_approval(v_task, 'task.dispatch', jsonb_build_object('task_id', v_task.id, 'cycle', v_task.dispatch_count + 1),
                                   task_gate(v_task.id, 'dispatch'), null, p_ttl_seconds);
    v_out := v_out || jsonb_build_object('task_id', v_task.id, 'approval_id', v_a.id, 'mode', v_a.mode);
  end loop;
  return v_out;
end $$;

-- Each stage's run gets its own session (the dispatch message names the stage: dispatch_extras, below).
create or replace function dispatch_session_key(p_openclaw_agent_id text, p_task tasks) returns text
language sql stable as $$
  select task_session_key(p_openclaw_agent_id, p_task.id, task_stage_position(p_task))
$$;

-- The claimed task carries its pipeline, so the dispatch message can name the stage.
create or replace function dispatch_extras(p_task tasks) returns jsonb
language sql stable as $$
  select jsonb_build_object('pipeline', task_pipeline_json(p_task),
                            'uploads', (select coalesce(jsonb_agg(jsonb_build_object('path', u.path, 'size_bytes', u.size_bytes,
                                                                                     'uploaded_by_name', u.uploaded_by_name) order by u.created_at, u.path), '[]'::jsonb)
                                        from task_uploads u where u.task_id = p_task.id))
$$;
