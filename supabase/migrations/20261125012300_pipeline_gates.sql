-- Governance for pipelines (decision 009): the current stage's autonomy
-- level joins the agent's and the task type's in every gate of the task, and
-- leaving a stage whose gate_advance is set is the gated 'stage_advance'
-- action. hitl waits for an approver, hotl for its veto window, autonomous
-- advances at once; high risk is never autonomous.

create or replace function task_gate(p_task_id uuid, p_action text) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'gate', case when not (p_action = any(coalesce(ty.gated_actions, array['agent_action']))
                           or (p_action = 'stage_advance' and coalesce(s.gate_advance, false))) then 'allow'
                 when l.level = 'autonomous' then 'allow' else l.level end,
    'veto_minutes', coalesce(ty.veto_minutes, 10),
    'level', l.level, 'stage_level', s.autonomy_level)
  from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
  left join pipeline_stages s on s.id = t.stage_id
  cross join lateral (select effective_autonomy(a.autonomy_level, ty.default_autonomy, s.autonomy_level, coalesce(ty.risk, 'low')) as level) l
  where t.id = p_task_id
$$;

-- The agent-action policy (app/services/governance.server.ts) sees the stage too.
create or replace function policy_context(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'task_id', t.id, 'agent_level', coalesce(a.autonomy_level, 'hitl'),
    'type_level', ty.default_autonomy, 'stage_level', s.autonomy_level, 'risk', coalesce(ty.risk, 'low'),
    'gated_actions', coalesce(to_jsonb(ty.gated_actions), '["agent_action"]'::jsonb),
    'veto_minutes', coalesce(ty.veto_minutes, 10), 'expiry_policy', coalesce(ty.expiry_policy, 'deny'),
    'task_type', ty.key)
  from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
  left join pipeline_stages s on s.id = t.stage_id
  where t.id = p_task_id
$$;

-- As in 20261125006100, with a reason for the stage advance.
create or replace function request_system_approval(p_task tasks, p_action text, p_args jsonb, p_gate jsonb, p_user_id uuid, p_ttl_seconds int)
returns approvals language plpgsql as $$
declare
  v_a approvals;
begin
  insert into approvals (task_id, requested_by_user_id, action, args, target, reason, digest, expires_at, mode, veto_until)
  values (p_task.id, p_user_id, p_action, p_args, p_task.id::text,
          case p_action when 'task.review_done' then 'Mark the task done'
                        when 'task.stage_advance' then format('Advance to stage %s (%s)', p_args->>'to_position', p_args->>'to_stage_name')
                        else 'Dispatch the task to its agent' end,
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
    where t.status = 'review' and t.stage_id is not null and (next_stage(t)).id is not null
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

-- As in 20261125006100, plus the stage advance: an approved advance runs
-- once, and only if the task still waits at the stage it was asked for.
create or replace function apply_approved_action(p_approval approvals) returns void
language plpgsql as $$
declare
  v_task tasks;
  v_user users;
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
  elsif p_approval.action = 'task.stage_advance' then
    select * into v_task from tasks where id = p_approval.task_id and status = 'review'
      and stage_id::text = p_approval.args->>'from_stage_id' for update;
    if found then
      select * into v_user from users where id = p_approval.decided_by;
      perform advance_task_stage(v_task.id,
        case when v_user.id is not null then jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name)
             else jsonb_build_object('type', 'system', 'name', coalesce(p_approval.decided_by_policy, 'governance')) end,
        p_approval.id);
    end if;
  end if;
end $$;
