-- Dispatch: claiming ready tasks for the gateway (gated, budgeted), recording
-- the result, task-scoped tokens, retries and why a task is not dispatched.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- ---------------------------------------------------------------------------
-- Stop controls (decision 035): the installation's emergency stop, a
-- workspace's pause, an agent's pause. While one holds, nothing is claimed
-- for dispatch; the functions that set them return the runs to abort.
-- ---------------------------------------------------------------------------

-- Why nothing may be dispatched for this task now; null when nothing holds.
create or replace function dispatch_halt(p_task tasks) returns text
language sql stable as $$
  select case
    when exists (select 1 from installation_controls where emergency_stop_at is not null) then 'emergency_stop'
    when exists (select 1 from workspaces w where w.id = p_task.workspace_id and w.paused_at is not null) then 'workspace_paused'
    when exists (select 1 from agents a where a.id = p_task.assigned_agent_id and a.paused_at is not null) then 'agent_paused'
  end
$$;

-- The runs on the gateway now: dispatched or planning tasks with a session.
create or replace function live_run_json(t tasks) returns jsonb
language sql stable as $$
  select jsonb_build_object('task_id', t.id, 'workspace_id', t.workspace_id, 'session_key', t.session_key,
                            'run_id', t.current_run_id, 'openclaw_agent_id', a.openclaw_agent_id)
  from agents a where a.id = t.assigned_agent_id
$$;

-- What the header and the stop forms show: the emergency stop, and a workspace's and its agents' pauses.
create or replace function get_stop_controls(p_workspace_id uuid default null) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'emergency', (select jsonb_build_object('at', c.emergency_stop_at, 'reason', c.emergency_stop_reason,
                                            'by_name', (select u.name from users u where u.id = c.emergency_stop_by))
                  from installation_controls c where c.emergency_stop_at is not null),
    'workspace_paused_at', (select w.paused_at from workspaces w where w.id = p_workspace_id),
    'workspace_paused_by', (select u.name from workspaces w join users u on u.id = w.paused_by where w.id = p_workspace_id),
    'paused_agents', (select coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'paused_at', a.paused_at) order by a.name), '[]'::jsonb)
                      from agents a where a.workspace_id = p_workspace_id and a.paused_at is not null))
$$;

-- The acting user, who must hold at least p_role; raises forbidden otherwise.
create or replace function stop_control_user(p_user_id uuid, p_role text, p_what text) returns users
language plpgsql stable as $$
declare
  v_user users;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or (p_role = 'admin' and v_user.role <> 'admin') or (p_role = 'operator' and v_user.role = 'viewer') then
    perform raise_app_error('forbidden', format('Only %ss %s.', p_role, p_what));
  end if;
  return v_user;
end $$;

-- Admins only. On: dispatch stops everywhere and every live run is returned
-- for the caller to abort. Off: dispatch resumes. Setting the state it is
-- already in changes nothing and audits nothing.
create or replace function set_emergency_stop(p_on boolean, p_reason text, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users := stop_control_user(p_user_id, 'admin', 'stop or resume the whole installation');
  v_was timestamptz;
  v_actor jsonb := jsonb_build_object('type', 'user', 'id', p_user_id, 'name', v_user.name);
  v_reason text := nullif(btrim(coalesce(p_reason, '')), '');
begin
  if char_length(v_reason) > 500 then
    perform raise_app_error('invalid', 'At most 500 characters.', jsonb_build_object('fields', jsonb_build_object('reason', 'At most 500 characters')));
  end if;
  insert into installation_controls (id) values (true) on conflict (id) do nothing;
  select emergency_stop_at into v_was from installation_controls where id for update;
  if (v_was is not null) = p_on then
    return jsonb_build_object('changed', false, 'on', p_on, 'runs', '[]'::jsonb);
  end if;
  update installation_controls
     set emergency_stop_at = case when p_on then now() end,
         emergency_stop_by = case when p_on then p_user_id end,
         emergency_stop_reason = case when p_on then v_reason end
   where id;
  perform append_audit(case when p_on then 'installation.emergency_stop' else 'installation.resumed' end, v_actor,
                       '{}'::jsonb, jsonb_build_object('reason', v_reason));
  if p_on then
    perform emit_event('installation.stopped', null, null, null, v_actor, jsonb_build_object('reason', v_reason));
  end if;
  return jsonb_build_object('changed', true, 'on', p_on,
    'runs', case when p_on then (select coalesce(jsonb_agg(live_run_json(t)), '[]'::jsonb) from tasks t
                                 where t.status in ('in_progress', 'planning') and t.session_key is not null and t.deleted_at is null)
                 else '[]'::jsonb end);
end $$;

-- Operators and up. A paused workspace dispatches nothing; its live runs go on unless p_abort.
create or replace function set_workspace_paused(p_workspace_id uuid, p_on boolean, p_abort boolean, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users := stop_control_user(p_user_id, 'operator', 'pause or resume a workspace');
  v_ws workspaces;
  v_actor jsonb := jsonb_build_object('type', 'user', 'id', p_user_id, 'name', v_user.name);
begin
  select * into v_ws from workspaces where id = p_workspace_id for update;
  if not found then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if (v_ws.paused_at is not null) = p_on then
    return jsonb_build_object('changed', false, 'on', p_on, 'runs', '[]'::jsonb);
  end if;
  update workspaces set paused_at = case when p_on then now() end, paused_by = case when p_on then p_user_id end where id = p_workspace_id;
  perform append_audit(case when p_on then 'workspace.paused' else 'workspace.resumed' end, v_actor,
                       jsonb_build_object('workspace_id', p_workspace_id), jsonb_build_object('abort_runs', p_on and p_abort));
  perform emit_event('workspace.updated', v_ws.id, null, null, v_actor, jsonb_build_object('name', v_ws.name, 'icon', v_ws.icon, 'paused', p_on));
  return jsonb_build_object('changed', true, 'on', p_on,
    'runs', case when p_on and p_abort then (select coalesce(jsonb_agg(live_run_json(t)), '[]'::jsonb) from tasks t
                                             where t.workspace_id = p_workspace_id and t.status in ('in_progress', 'planning')
                                               and t.session_key is not null and t.deleted_at is null)
                 else '[]'::jsonb end);
end $$;

-- Operators and up. A paused agent is dispatched nothing; its live runs go on unless p_abort.
create or replace function set_agent_paused(p_agent_id uuid, p_on boolean, p_abort boolean, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users := stop_control_user(p_user_id, 'operator', 'pause or resume an agent');
  v_agent agents;
  v_actor jsonb := jsonb_build_object('type', 'user', 'id', p_user_id, 'name', v_user.name);
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  if (v_agent.paused_at is not null) = p_on then
    return jsonb_build_object('changed', false, 'on', p_on, 'runs', '[]'::jsonb);
  end if;
  update agents set paused_at = case when p_on then now() end, paused_by = case when p_on then p_user_id end where id = p_agent_id;
  perform append_audit(case when p_on then 'agent.paused' else 'agent.resumed' end, v_actor,
                       jsonb_build_object('workspace_id', v_agent.workspace_id, 'agent_id', p_agent_id), jsonb_build_object('abort_runs', p_on and p_abort));
  perform emit_event('agent.updated', v_agent.workspace_id, null, p_agent_id, v_actor, jsonb_build_object('name', v_agent.name, 'paused', p_on));
  return jsonb_build_object('changed', true, 'on', p_on,
    'runs', case when p_on and p_abort then (select coalesce(jsonb_agg(live_run_json(t)), '[]'::jsonb) from tasks t
                                             where t.assigned_agent_id = p_agent_id and t.status in ('in_progress', 'planning')
                                               and t.session_key is not null and t.deleted_at is null)
                 else '[]'::jsonb end);
end $$;

-- What the caller did about one run it was told to abort, on the task's activity.
create or replace function record_run_abort(p_task_id uuid, p_run_id text, p_ok boolean, p_detail text, p_actor jsonb) returns void
language plpgsql as $$
begin
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, case when p_ok then 'run_aborted' else 'run_abort_failed' end,
          case when p_ok then 'Stopped the agent''s run on the gateway'
               else 'Could not stop the agent''s run on the gateway: ' || left(coalesce(p_detail, 'unknown reason'), 300) end,
          jsonb_build_object('run_id', p_run_id, 'detail', left(p_detail, 300)),
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
end $$;

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
-- With p_gateways, only tasks whose agent's gateway is connected are claimed
-- (decision 052): the registered gateways listed (a JSON array of ids), and the default gateway
-- (agents without one) when p_default_gateway; a task waiting on a gateway
-- that is down is left as it is, so its attempts are not spent.
create or replace function claim_tasks_for_dispatch(p_limit int, p_claim_seconds int, p_task_id uuid default null,
                                                    p_gateways jsonb default null, p_default_gateway boolean default true)
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
      and (p_gateways is null or case when a.gateway_id is null then coalesce(p_default_gateway, true) else p_gateways ? a.gateway_id::text end)
      and dispatch_halt(t) is null
      and not task_is_blocked(t.id)
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
    'agent', jsonb_build_object('id', a.id, 'name', a.name, 'openclaw_agent_id', a.openclaw_agent_id, 'model', a.model, 'gateway_id', a.gateway_id))
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
      when dispatch_halt(t) is not null then dispatch_halt(t)
      when task_is_blocked(t.id) then 'blocked'
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
    and a.openclaw_agent_id is not null and a.status <> 'offline' and dispatch_halt(t) is null and not task_is_blocked(t.id) and dispatch_allowed(t)
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
      and dispatch_halt(t) is null
      and not task_is_blocked(t.id)
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
