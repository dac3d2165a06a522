-- Gates on dispatch and review → done, enforced in the database for every
-- path (UI, heartbeat, API). The level is the one app/domain/autonomy.ts
-- computes (strictest of agent and task type; high risk never autonomous);
-- an integration test keeps the two equal. An approved gated action runs
-- once: review → done is applied by the decision itself, a gated dispatch is
-- claimed by the next heartbeat.

create or replace function autonomy_rank(p_level text) returns int
language sql immutable as $$
  select case p_level when 'hitl' then 0 when 'hotl' then 1 when 'autonomous' then 2 end
$$;

create or replace function effective_autonomy(p_agent text, p_type text, p_stage text, p_risk text) returns text
language sql immutable as $$
  select case when p_risk = 'high' and lvl = 'autonomous' then 'hotl' else lvl end
  from (select (array['hitl', 'hotl', 'autonomous'])[1 + least(autonomy_rank(coalesce(p_agent, 'autonomous')),
                                                                autonomy_rank(coalesce(p_type, 'autonomous')),
                                                                autonomy_rank(coalesce(p_stage, 'autonomous')))] as lvl) x
$$;

-- 'allow', 'hotl' or 'hitl' for one gated action on one task, with the veto window.
create or replace function task_gate(p_task_id uuid, p_action text) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'gate', case when not (p_action = any(coalesce(ty.gated_actions, array['agent_action']))) then 'allow'
                 else case effective_autonomy(a.autonomy_level, ty.default_autonomy, null, coalesce(ty.risk, 'low'))
                        when 'autonomous' then 'allow' else effective_autonomy(a.autonomy_level, ty.default_autonomy, null, coalesce(ty.risk, 'low')) end end,
    'veto_minutes', coalesce(ty.veto_minutes, 10))
  from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
  where t.id = p_task_id
$$;

-- An approval for a system action on this task, decided after the task entered its current status.
create or replace function gated_approval(p_task tasks, p_action text) returns approvals
language sql stable as $$
  select * from approvals
  where task_id = p_task.id and action = p_action and created_at >= p_task.status_changed_at
  order by created_at desc limit 1
$$;

create or replace function request_system_approval(p_task tasks, p_action text, p_args jsonb, p_gate jsonb, p_user_id uuid, p_ttl_seconds int)
returns approvals language plpgsql as $$
declare
  v_a approvals;
begin
  insert into approvals (task_id, requested_by_user_id, action, args, target, reason, digest, expires_at, mode, veto_until)
  values (p_task.id, p_user_id, p_action, p_args, p_task.id::text,
          case p_action when 'task.review_done' then 'Mark the task done' else 'Dispatch the task to its agent' end,
          encode(sha256(convert_to(p_action || '|' || p_args::text || '|' || p_task.id::text, 'UTF8')), 'hex'),
          now() + make_interval(secs => p_ttl_seconds), p_gate->>'gate',
          case when p_gate->>'gate' = 'hotl' then now() + make_interval(mins => (p_gate->>'veto_minutes')::int) end)
  returning * into v_a;
  perform log_task_activity(p_task.id, 'approval_requested',
    case when p_gate->>'gate' = 'hotl' then format('%s unless vetoed within %s min', v_a.reason, p_gate->>'veto_minutes')
         else format('%s needs an approver', v_a.reason) end,
    jsonb_build_object('approval_id', v_a.id, 'mode', p_gate->>'gate'), '{"type":"system","name":"governance"}'::jsonb);
  perform emit_event('approval.requested', p_task.workspace_id, p_task.id, p_task.assigned_agent_id, '{"type":"system","name":"governance"}'::jsonb,
    jsonb_build_object('approval_id', v_a.id, 'action', p_action, 'title', p_task.title, 'mode', p_gate->>'gate'));
  return v_a;
end $$;

-- review → done on a gated task needs an approved 'task.review_done' first.
create or replace function enforce_done_gate() returns trigger
language plpgsql as $$
declare
  v_gate jsonb;
  v_a approvals;
begin
  if old.status = 'review' and new.status = 'done' then
    v_gate := task_gate(new.id, 'review_done');
    if v_gate->>'gate' <> 'allow' then
      v_a := gated_approval(old, 'task.review_done');
      if v_a.id is null or v_a.status <> 'approved' then
        perform raise_app_error('conflict',
          case when v_a.status = 'pending' then 'Marking this task done is waiting for approval.'
               else 'Marking this task done needs approval first.' end,
          jsonb_build_object('needs_approval', 'task.review_done', 'approval_id', v_a.id, 'approval_status', v_a.status, 'gate', v_gate->>'gate'));
      end if;
    end if;
  end if;
  return new;
end $$;
create trigger tasks_done_gate before update of status on tasks
  for each row execute function enforce_done_gate();

-- An operator asks to mark a gated task done: one request per review round.
create or replace function request_done_approval(p_task_id uuid, p_user_id uuid, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_a approvals;
begin
  select * into v_task from tasks where id = p_task_id and status = 'review' for update;
  if not found then
    perform raise_app_error('conflict', 'Only a task in review can be sent for approval to be done.');
  end if;
  v_a := gated_approval(v_task, 'task.review_done');
  if v_a.id is not null and v_a.status = 'pending' then
    return approval_json(v_a);
  end if;
  v_a := request_system_approval(v_task, 'task.review_done', jsonb_build_object('task_id', v_task.id), task_gate(p_task_id, 'review_done'), p_user_id, p_ttl_seconds);
  return approval_json(v_a);
end $$;

-- Runs an approved system action, once (called when it becomes approved).
create or replace function apply_approved_action(p_approval approvals) returns void
language plpgsql as $$
declare
  v_task tasks;
begin
  if p_approval.action = 'task.review_done' then
    select * into v_task from tasks where id = p_approval.task_id and status = 'review' for update;
    if found then
      update tasks set status = 'done' where id = v_task.id;
      insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
      values (v_task.id, 'status_changed', 'Moved from review to done', jsonb_build_object('from', 'review', 'to', 'done', 'approval_id', p_approval.id),
              'system', 'governance');
      perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"governance"}'::jsonb,
        jsonb_build_object('title', v_task.title, 'status', 'done', 'from_status', 'review', 'changed', '["status"]'::jsonb));
    end if;
  end if;
end $$;

create or replace function run_approved_actions() returns trigger
language plpgsql as $$
begin
  if new.status = 'approved' and old.status = 'pending' and new.action like 'task.%' then
    perform apply_approved_action(new);
  end if;
  return new;
end $$;
create trigger approvals_run_action after update of status on approvals
  for each row execute function run_approved_actions();

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
    select t.* from tasks t join agents a on a.id = t.assigned_agent_id
    where t.status = 'assigned' and a.openclaw_agent_id is not null and a.status <> 'offline'
      and (task_gate(t.id, 'dispatch')->>'gate') <> 'allow'
      and not exists (select 1 from approvals ap where ap.task_id = t.id and ap.action = 'task.dispatch'
                      and ap.created_at >= t.status_changed_at and ap.status in ('pending', 'approved'))
    order by t.priority_rank, t.created_at limit greatest(p_limit, 0)
    for update of t skip locked
  loop
    v_a := request_system_approval(v_task, 'task.dispatch', jsonb_build_object('task_id', v_task.id, 'cycle', v_task.dispatch_count + 1),
                                   task_gate(v_task.id, 'dispatch'), null, p_ttl_seconds);
    v_out := v_out || jsonb_build_object('task_id', v_task.id, 'approval_id', v_a.id, 'mode', v_a.mode);
  end loop;
  return v_out;
end $$;

create or replace function dispatch_allowed(p_task tasks) returns boolean
language sql stable as $$
  select (task_gate(p_task.id, 'dispatch')->>'gate') = 'allow'
      or exists (select 1 from approvals ap where ap.task_id = p_task.id and ap.action = 'task.dispatch'
                 and ap.created_at >= p_task.status_changed_at and ap.status = 'approved')
$$;

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
      and dispatch_allowed(t)
    order by t.priority_rank, t.created_at, t.id
    limit greatest(p_limit, 0)
    for update of t skip locked
  ), claimed as (
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
      else 'unknown' end)
  from tasks t left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id
$$;

create or replace function count_dispatchable() returns jsonb
language sql stable as $$
  select jsonb_build_object('ready', count(*)::int)
  from tasks t join agents a on a.id = t.assigned_agent_id
  where t.status = 'assigned' and (t.next_dispatch_at is null or t.next_dispatch_at <= now())
    and t.alert_reason is distinct from 'dispatch_failed' and (t.claimed_until is null or t.claimed_until < now())
    and a.openclaw_agent_id is not null and a.status <> 'offline' and dispatch_allowed(t)
$$;
