-- Governance: task types and the autonomy policy, the gate every gated action
-- goes through (task_gate), approvals and their decisions, standing grants,
-- veto windows and expiry, the actions an approval applies, and the guard
-- that keeps anyone below approver from lowering what governs a task
-- (docs/decisions/014).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- Approval JSON gains the governance fields.
create or replace function approval_json(a approvals) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', a.id, 'task_id', a.task_id, 'action', a.action, 'args', a.args, 'target', a.target,
    'reason', a.reason, 'digest', a.digest, 'status', a.status, 'expires_at', a.expires_at, 'created_at', a.created_at,
    'decided_at', a.decided_at, 'comment', a.comment, 'mode', a.mode, 'veto_until', a.veto_until, 'escalated', a.escalated_at is not null,
    'by', case when a.decided_by_policy is not null then a.decided_by_policy
               when a.decided_by is not null then 'operator' end)
$$;

-- Expiry with the task type's policy: deny (the request expires), or
-- escalate once to admins (flagged, with a fresh expiry), then expire. An
-- exec approval never escalates: the gateway would stop waiting first.
create or replace function expire_approvals(p_limit int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
begin
  with due as (
    select a.id, coalesce(ty.expiry_policy, 'deny') as policy, a.escalated_at
    from approvals a join tasks t on t.id = a.task_id left join task_types ty on ty.id = t.task_type_id
    where a.status = 'pending' and a.expires_at <= now() and t.deleted_at is null
    order by a.expires_at limit greatest(p_limit, 0) for update of a skip locked
  ), escalated as (
    update approvals a set escalated_at = now(), expires_at = now() + (a.expires_at - a.created_at)
    from due where a.id = due.id and due.policy = 'escalate' and due.escalated_at is null and a.action not like 'exec:%'
    returning a.*, 'escalated'::text as outcome
  ), expired as (
    update approvals a set status = 'expired', decided_at = now(), decided_by_policy = 'expiry'
    from due where a.id = due.id and not (due.policy = 'escalate' and due.escalated_at is null and a.action not like 'exec:%')
    returning a.*, 'expired'::text as outcome
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'task_id', x.task_id, 'workspace_id', t.workspace_id, 'action', x.action,
                                               'outcome', x.outcome)), '[]'::jsonb)
  into v_rows
  from (select id, task_id, action, outcome from escalated union all select id, task_id, action, outcome from expired) x
  join tasks t on t.id = x.task_id;
  perform emit_event(case when r->>'outcome' = 'escalated' then 'approval.escalated' else 'approval.resolved' end,
                     (r->>'workspace_id')::uuid, (r->>'task_id')::uuid, null, '{"type":"system","name":"heartbeat"}'::jsonb,
                     jsonb_build_object('approval_id', r->>'id', 'status', case when r->>'outcome' = 'escalated' then 'pending' else 'expired' end,
                                        'action', r->>'action', 'escalated', r->>'outcome' = 'escalated'))
  from jsonb_array_elements(v_rows) r;
  return v_rows;
end $$;

create or replace function decide_approval(p_approval_id uuid, p_decision text, p_user_id uuid, p_digest text, p_comment text)
returns jsonb language plpgsql as $$
declare
  v_a approvals;
  v_user users;
  v_task tasks;
begin
  if p_decision not in ('approved', 'denied') then
    perform raise_app_error('invalid', 'Decide approved or denied.');
  end if;
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role not in ('approver', 'admin') then
    perform raise_app_error('forbidden', 'Only approvers and admins decide approvals.');
  end if;
  select * into v_a from approvals where id = p_approval_id for update;
  if not found then
    perform raise_app_error('not_found', 'Approval not found.');
  end if;
  if v_a.status <> 'pending' then
    perform raise_app_error('conflict', format('This request was already %s.', v_a.status), jsonb_build_object('status', v_a.status));
  end if;
  if v_a.expires_at <= now() then
    update approvals set status = 'expired', decided_at = now(), decided_by_policy = 'expiry' where id = p_approval_id;
    perform raise_app_error('conflict', 'This request expired before it was decided.', jsonb_build_object('status', 'expired'));
  end if;
  if v_a.requested_by_user_id = p_user_id then
    perform raise_app_error('forbidden', 'You cannot decide your own request.');
  end if;
  if p_digest is distinct from v_a.digest then
    perform raise_app_error('conflict', 'The action changed since you looked at it; review it again.', jsonb_build_object('digest', v_a.digest));
  end if;
  update approvals set status = p_decision, decided_by = p_user_id, decided_at = now(), comment = nullif(btrim(p_comment), '')
  where id = p_approval_id returning * into v_a;
  select * into v_task from tasks where id = v_a.task_id;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (v_a.task_id, 'approval_' || p_decision,
          format('%s %s%s', initcap(p_decision), v_a.action, case when v_a.comment is null then '' else ': ' || v_a.comment end),
          jsonb_build_object('approval_id', v_a.id, 'digest', v_a.digest), 'user', v_user.id, v_user.name);
  perform emit_event('approval.resolved', v_task.workspace_id, v_task.id, v_a.requested_by_agent_id,
    jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name),
    jsonb_build_object('approval_id', v_a.id, 'status', p_decision, 'action', v_a.action, 'title', v_task.title));
  return approval_json(v_a);
end $$;

-- Approvals by status, newest first, with who decided each request (the approver's name, not "operator").
create or replace function list_approvals(p_status text, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(approval_json(a) || jsonb_build_object(
           'task', jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status, 'estimated_cost', t.estimated_cost,
                                      'token_usage', t.token_usage),
           'workspace', jsonb_build_object('slug', w.slug, 'name', w.name, 'icon', w.icon),
           'requester', coalesce(ag.name, u.name, 'unknown'),
           'requester_type', case when a.requested_by_agent_id is not null then 'agent' else 'user' end,
           'requested_by_user_id', a.requested_by_user_id,
           'decided_by_name', d.name,
           'risk', coalesce(ty.risk, 'low'),
           'task_type', ty.name)
         order by case when a.status = 'pending' then a.expires_at end asc nulls last, a.decided_at desc nulls last), '[]'::jsonb)
  from (select * from approvals
        where (p_status is null or status = p_status)
          and not exists (select 1 from tasks dt where dt.id = approvals.task_id and dt.deleted_at is not null)
        order by case when status = 'pending' then 0 else 1 end, coalesce(decided_at, created_at) desc
        limit least(greatest(p_limit, 1), 200)) a
  join tasks t on t.id = a.task_id
  join workspaces w on w.id = t.workspace_id
  left join task_types ty on ty.id = t.task_type_id
  left join agents ag on ag.id = a.requested_by_agent_id
  left join users u on u.id = a.requested_by_user_id
  left join users d on d.id = a.decided_by
$$;

-- One approval in the inbox's shape, for its own page (the page a push
-- notification opens, decision 048); null when unknown or its task is deleted.
create or replace function get_approval(p_approval_id uuid) returns jsonb
language sql stable as $$
  select approval_json(a) || jsonb_build_object(
           'task', jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status, 'estimated_cost', t.estimated_cost,
                                      'token_usage', t.token_usage),
           'workspace', jsonb_build_object('slug', w.slug, 'name', w.name, 'icon', w.icon),
           'requester', coalesce(ag.name, u.name, 'unknown'),
           'requester_type', case when a.requested_by_agent_id is not null then 'agent' else 'user' end,
           'requested_by_user_id', a.requested_by_user_id,
           'decided_by_name', d.name,
           'risk', coalesce(ty.risk, 'low'),
           'task_type', ty.name)
  from approvals a
  join tasks t on t.id = a.task_id and t.deleted_at is null
  join workspaces w on w.id = t.workspace_id
  left join task_types ty on ty.id = t.task_type_id
  left join agents ag on ag.id = a.requested_by_agent_id
  left join users u on u.id = a.requested_by_user_id
  left join users d on d.id = a.decided_by
  where a.id = p_approval_id
$$;

-- The requests waiting on one task, soonest expiry first, in the inbox's shape.
create or replace function list_task_approvals(p_task_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(approval_json(a) || jsonb_build_object(
           'requester', coalesce(ag.name, u.name, 'unknown'),
           'requester_type', case when a.requested_by_agent_id is not null then 'agent' else 'user' end,
           'requested_by_user_id', a.requested_by_user_id,
           'risk', coalesce(ty.risk, 'low'),
           'task_type', ty.name)
         order by a.expires_at, a.id), '[]'::jsonb)
  from approvals a
  join tasks t on t.id = a.task_id
  left join task_types ty on ty.id = t.task_type_id
  left join agents ag on ag.id = a.requested_by_agent_id
  left join users u on u.id = a.requested_by_user_id
  where a.task_id = p_task_id and a.status = 'pending' and a.expires_at > now()
$$;

create or replace function count_pending_approvals() returns jsonb
language sql stable as $$
  select jsonb_build_object('pending', count(*)::int) from approvals
  where status = 'pending' and expires_at > now()
    and not exists (select 1 from tasks dt where dt.id = approvals.task_id and dt.deleted_at is not null)
$$;

create or replace function list_task_types() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'key', key, 'name', name, 'risk', risk, 'default_autonomy', default_autonomy,
                                               'gated_actions', to_jsonb(gated_actions), 'veto_minutes', veto_minutes,
                                               'expiry_policy', expiry_policy, 'exec_allowlist', to_jsonb(exec_allowlist)) order by name), '[]'::jsonb)
  from task_types
$$;

-- An admin edits a task type; the requests of the tasks of that type that
-- wait on one are settled (the same rules as above).
create or replace function update_task_type(p_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old task_types;
  v_new task_types;
  v_waiting jsonb;
begin
  select * into v_old from task_types where id = p_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task type not found.');
  end if;
  if p_fields ? 'exec_allowlist' and (jsonb_typeof(p_fields->'exec_allowlist') <> 'array'
      or jsonb_array_length(p_fields->'exec_allowlist') > 50
      or exists (select 1 from jsonb_array_elements(p_fields->'exec_allowlist') x
                 where jsonb_typeof(x) <> 'string' or char_length(x #>> '{}') > 200 or btrim(replace(x #>> '{}', '*', '')) = ''
                       or (x #>> '{}') ~ '[\n\r]')) then
    perform raise_app_error('invalid', 'The allowlist takes up to 50 command patterns of at most 200 characters, each more than `*`.',
      jsonb_build_object('fields', jsonb_build_object('exec_allowlist', 'Up to 50 patterns of at most 200 characters, each more than *')));
  end if;
  select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
  from tasks t where t.task_type_id = p_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
  update task_types set
    exec_allowlist = coalesce((select array_agg(btrim(x)) from jsonb_array_elements_text(p_fields->'exec_allowlist') x),
                              case when p_fields ? 'exec_allowlist' then '{}'::text[] end, exec_allowlist),
    name = coalesce(btrim(p_fields->>'name'), name),
    risk = coalesce(p_fields->>'risk', risk),
    default_autonomy = coalesce(p_fields->>'default_autonomy', default_autonomy),
    gated_actions = coalesce((select array_agg(x) from jsonb_array_elements_text(p_fields->'gated_actions') x), case when p_fields ? 'gated_actions' then '{}'::text[] end, gated_actions),
    veto_minutes = coalesce((p_fields->>'veto_minutes')::int, veto_minutes),
    expiry_policy = coalesce(p_fields->>'expiry_policy', expiry_policy)
  where id = p_id returning * into v_new;
  perform append_audit('task_type.changed', p_actor, jsonb_build_object('task_type_id', p_id),
    jsonb_build_object('from', to_jsonb(v_old) - 'updated_at' - 'created_at', 'to', to_jsonb(v_new) - 'updated_at' - 'created_at'));
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'task_type') from jsonb_each(v_waiting) w;
  return jsonb_build_object('id', v_new.id, 'key', v_new.key);
end $$;

-- The inputs of a task's autonomy policy, as the policy reads them (no agent:
-- hitl; no type: low risk, only agent actions gated).
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

-- Closes veto windows nobody used: the action is approved by policy, once.
create or replace function close_veto_windows(p_limit int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
begin
  with due as (
    select id from approvals where status = 'pending' and veto_until is not null and veto_until <= now()
      and not exists (select 1 from tasks dt where dt.id = approvals.task_id and dt.deleted_at is not null)
    order by veto_until limit greatest(p_limit, 0) for update skip locked
  ), approved as (
    update approvals a set status = 'approved', decided_at = now(), decided_by_policy = 'hotl_window'
    from due where a.id = due.id returning a.*
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'task_id', x.task_id, 'workspace_id', t.workspace_id, 'action', x.action)), '[]'::jsonb)
  into v_rows from approved x join tasks t on t.id = x.task_id;
  perform emit_event('approval.resolved', (r->>'workspace_id')::uuid, (r->>'task_id')::uuid, null, '{"type":"system","name":"heartbeat"}'::jsonb,
                     jsonb_build_object('approval_id', r->>'id', 'status', 'approved', 'action', r->>'action', 'by', 'hotl_window'))
  from jsonb_array_elements(v_rows) r;
  return v_rows;
end $$;

-- Sets an agent's autonomy level. Lowering supervision is an approver's act,
-- and the waiting requests of the agent's tasks are settled in the same transaction.
create or replace function set_agent_autonomy(p_agent_id uuid, p_level text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_agent agents;
  v_waiting jsonb;
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  if p_level is null or p_level not in ('hitl', 'hotl', 'autonomous') then
    perform raise_app_error('invalid', 'Choose hitl, hotl or autonomous.',
      jsonb_build_object('fields', jsonb_build_object('autonomy_level', 'Choose hitl, hotl or autonomous')));
  end if;
  if p_level = v_agent.autonomy_level then
    return agent_json(v_agent);
  end if;
  perform refuse_unapproved_lowering(p_actor, format('the supervision of agent %s', v_agent.name),
    supervision_lowered(jsonb_build_object('autonomy_level', v_agent.autonomy_level), jsonb_build_object('autonomy_level', p_level)));
  select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
  from tasks t where t.assigned_agent_id = p_agent_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
  -- The audit trigger reads the actor from here.
  perform set_config('mc.actor', p_actor::text, true);
  update agents set autonomy_level = p_level where id = p_agent_id returning * into v_agent;
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'agent_autonomy') from jsonb_each(v_waiting) w;
  perform emit_event('agent.updated', v_agent.workspace_id, null, v_agent.id, p_actor, jsonb_build_object('autonomy_level', p_level, 'name', v_agent.name));
  return agent_json(v_agent);
end $$;

-- Tasks take a task type in the same transaction as the rest of the write.
create or replace function check_task_type(p_task_type_id uuid) returns void
language plpgsql as $$
begin
  if p_task_type_id is not null and not exists (select 1 from task_types where id = p_task_type_id) then
    perform raise_app_error('invalid', 'Unknown task type.', jsonb_build_object('fields', jsonb_build_object('task_type_id', 'Choose a task type from the list')));
  end if;
end $$;

create or replace function task_type_of(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', ty.id, 'key', ty.key, 'name', ty.name, 'risk', ty.risk)
  from tasks t join task_types ty on ty.id = t.task_type_id where t.id = p_task_id
$$;

create or replace function autonomy_rank(p_level text) returns int
language sql immutable as $$
  select case p_level when 'hitl' then 0 when 'hotl' then 1 when 'autonomous' then 2 end
$$;

-- The autonomy level that governs a task: the strictest of its agent's, its
-- type's and its stage's; high risk is never autonomous. No agent (a null
-- agent level) counts as hitl, the strict default; no type or no stage sets
-- no limit of its own. Every gate reads it through task_gate.
create or replace function effective_autonomy(p_agent text, p_type text, p_stage text, p_risk text) returns text
language sql immutable as $$
  select case when p_risk = 'high' and lvl = 'autonomous' then 'hotl' else lvl end
  from (select (array['hitl', 'hotl', 'autonomous'])[1 + least(autonomy_rank(coalesce(p_agent, 'hitl')),
                                                                autonomy_rank(coalesce(p_type, 'autonomous')),
                                                                autonomy_rank(coalesce(p_stage, 'autonomous')))] as lvl) x
$$;

-- The risk class that governs a task (no task type counts as low, as in policy_context).
create or replace function task_risk(p_task_id uuid) returns text
language sql stable as $$
  select coalesce(ty.risk, 'low') from tasks t left join task_types ty on ty.id = t.task_type_id where t.id = p_task_id
$$;

create or replace function has_standing_grant(p_task_id uuid, p_action text) returns boolean
language sql stable as $$
  select task_risk(p_task_id) = 'low'
     and exists (select 1 from standing_grants where task_id = p_task_id and action = p_action and revoked_at is null)
$$;

-- The one policy decision for a gated action on a task (p_action: dispatch,
-- stage_advance, review_done or agent_action): gate 'allow', 'hotl' (after a
-- veto window) or 'hitl' (an approver first), why it allows (by: not_gated,
-- autonomous or standing_grant), the veto window and the effective level.
-- A standing grant for the approval action (p_approval_action: the agent's own
-- action name; for the system's actions 'task.<action>' unless named) allows
-- what the level would hold, on low-risk work only (has_standing_grant).
-- Every gate asks this function and nothing else.
create or replace function task_gate(p_task_id uuid, p_action text, p_approval_action text default null) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'gate', case when not g.gated or l.level = 'autonomous' or gr.granted then 'allow' else l.level end,
    'by', case when not g.gated then 'not_gated' when l.level = 'autonomous' then 'autonomous' when gr.granted then 'standing_grant' end,
    'veto_minutes', coalesce(ty.veto_minutes, 10),
    'level', l.level, 'stage_level', s.autonomy_level)
  from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
  left join pipeline_stages s on s.id = t.stage_id
  cross join lateral (select effective_autonomy(a.autonomy_level, ty.default_autonomy, s.autonomy_level, coalesce(ty.risk, 'low')) as level) l
  cross join lateral (select p_action = any(coalesce(ty.gated_actions, array['agent_action']))
                             or (p_action = 'stage_advance' and coalesce(s.gate_advance, false)) as gated) g
  cross join lateral (select has_standing_grant(t.id, coalesce(p_approval_action, case when p_action <> 'agent_action' then 'task.' || p_action end))
                             is true as granted) gr
  where t.id = p_task_id
$$;

-- An approval for a system action on this task, decided after the task entered its current status.
create or replace function gated_approval(p_task tasks, p_action text) returns approvals
language sql stable as $$
  select * from approvals
  where task_id = p_task.id and action = p_action and created_at >= p_task.status_changed_at
  order by created_at desc limit 1
$$;

-- A request the system makes for a gated action (dispatch, stage advance, done), with its reason.
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

-- What an approved request does: dispatch, advance the stage, or mark done.
-- An approved "done" names the approver on the task's activity (and on the
-- last stage's run), not an anonymous "governance".
create or replace function apply_approved_action(p_approval approvals) returns void
language plpgsql as $$
declare
  v_task tasks;
  v_user users;
  v_actor jsonb;
begin
  select * into v_user from users where id = p_approval.decided_by;
  v_actor := case when v_user.id is not null then jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name)
                  else jsonb_build_object('type', 'system', 'name', coalesce(p_approval.decided_by_policy, 'governance')) end;
  if p_approval.action = 'task.review_done' then
    select * into v_task from tasks where id = p_approval.task_id and status = 'review' for update;
    if found then
      update tasks set status = 'done' where id = v_task.id;
      insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
      values (v_task.id, 'status_changed',
              'Moved from Review to Done' || case when v_user.id is not null then ' (approved by ' || v_user.name || ')' else ' (' || (v_actor->>'name') || ')' end,
              jsonb_build_object('from', 'review', 'to', 'done', 'approval_id', p_approval.id),
              v_actor->>'type', v_user.id, v_actor->>'name');
      perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, v_actor,
        jsonb_build_object('title', v_task.title, 'status', 'done', 'from_status', 'review', 'changed', '["status"]'::jsonb));
    end if;
  elsif p_approval.action = 'task.stage_advance' then
    select * into v_task from tasks where id = p_approval.task_id and status = 'review'
      and stage_id::text = p_approval.args->>'from_stage_id' for update;
    if found then
      perform advance_task_stage(v_task.id, v_actor, p_approval.id);
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

create or replace function standing_grant_for(p_task_id uuid, p_action text) returns jsonb
language sql stable as $$
  select jsonb_build_object('granted', has_standing_grant(p_task_id, p_action))
$$;

-- An approval recorded as allowed by a standing grant must be backed by one:
-- the app asks first, the database has the last word.
create or replace function check_grant_backed() returns trigger
language plpgsql as $$
begin
  if new.decided_by_policy = 'standing_grant' and not has_standing_grant(new.task_id, new.action) then
    perform raise_app_error('forbidden', 'No standing grant allows this action on this task.');
  end if;
  return new;
end $$;

-- Approve, and allow the same action on this task from now on. One transaction:
-- the decision and the grant stand or fall together.
create or replace function decide_approval_with_grant(p_approval_id uuid, p_user_id uuid, p_digest text, p_comment text)
returns jsonb language plpgsql as $$
declare
  v_result jsonb;
  v_a approvals;
  v_grant standing_grants;
begin
  select * into v_a from approvals where id = p_approval_id;
  if not found then
    perform raise_app_error('not_found', 'Approval not found.');
  end if;
  if task_risk(v_a.task_id) <> 'low' then
    perform raise_app_error('forbidden', 'Standing grants are for low-risk work only; approve this request on its own.',
      jsonb_build_object('risk', task_risk(v_a.task_id)));
  end if;
  v_result := decide_approval(p_approval_id, 'approved', p_user_id, p_digest, p_comment);
  insert into standing_grants (task_id, action, approval_id, granted_by)
  values (v_a.task_id, v_a.action, v_a.id, p_user_id)
  on conflict (task_id, action) where revoked_at is null do nothing
  returning * into v_grant;
  if v_grant.id is not null then
    perform append_audit('grant.created', jsonb_build_object('type', 'user', 'id', p_user_id),
      jsonb_build_object('grant_id', v_grant.id, 'task_id', v_a.task_id, 'approval_id', v_a.id), jsonb_build_object('action', v_a.action));
    perform log_task_activity(v_a.task_id, 'grant_created', format('%s is allowed on this task from now on', v_a.action),
      jsonb_build_object('grant_id', v_grant.id, 'approval_id', v_a.id),
      (select jsonb_build_object('type', 'user', 'id', u.id, 'name', u.name) from users u where u.id = p_user_id));
  end if;
  return v_result || jsonb_build_object('grant', v_grant.id is not null or has_standing_grant(v_a.task_id, v_a.action));
end $$;

create or replace function revoke_standing_grant(p_grant_id uuid, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_grant standing_grants;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role not in ('approver', 'admin') then
    perform raise_app_error('forbidden', 'Only approvers and admins revoke grants.');
  end if;
  update standing_grants set revoked_at = now(), revoked_by = p_user_id
  where id = p_grant_id and revoked_at is null returning * into v_grant;
  if not found then
    perform raise_app_error('not_found', 'No live grant with that id.');
  end if;
  perform append_audit('grant.revoked', jsonb_build_object('type', 'user', 'id', p_user_id),
    jsonb_build_object('grant_id', v_grant.id, 'task_id', v_grant.task_id), jsonb_build_object('action', v_grant.action));
  perform log_task_activity(v_grant.task_id, 'grant_revoked', format('%s needs approval again', v_grant.action),
    jsonb_build_object('grant_id', v_grant.id), jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name));
  return jsonb_build_object('id', v_grant.id, 'revoked_at', v_grant.revoked_at);
end $$;

create or replace function list_standing_grants(p_task_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'action', g.action, 'created_at', g.created_at,
                                               'granted_by', u.name, 'approval_id', g.approval_id,
                                               'honoured', task_risk(g.task_id) = 'low')
                            order by g.created_at), '[]'::jsonb)
  from standing_grants g left join users u on u.id = g.granted_by
  where g.task_id = p_task_id and g.revoked_at is null
$$;

-- Whether the task's type gates dispatch at all: a cheap test that spares
-- the full gate evaluation for the many tasks whose dispatch is never gated.
create or replace function dispatch_gated_type(p_task tasks) returns boolean
language sql stable as $$
  select exists (select 1 from task_types ty where ty.id = p_task.task_type_id and 'dispatch' = any(ty.gated_actions))
$$;

-- Lower is stricter, as autonomy_rank: an approver, a veto window, nothing.
create or replace function gate_rank(p_gate text) returns int
language sql immutable as $$
  select case p_gate when 'hitl' then 0 when 'hotl' then 1 else 2 end
$$;

create or replace function risk_rank(p_risk text) returns int
language sql immutable as $$
  select case p_risk when 'high' then 2 when 'medium' then 1 else 0 end
$$;

-- Which of a task's gates a request waits on.
create or replace function approval_gate(p_action text) returns text
language sql immutable as $$
  select case p_action when 'task.dispatch' then 'dispatch' when 'task.review_done' then 'review_done'
                       when 'task.stage_advance' then 'stage_advance' else 'agent_action' end
$$;

-- Every gated action's gate on the task as it is now, its risk and its type.
create or replace function task_governance(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'risk', task_risk(p_task_id),
    'task_type', (select ty.key from tasks t join task_types ty on ty.id = t.task_type_id where t.id = p_task_id),
    'gates', (select jsonb_object_agg(a, task_gate(p_task_id, a)->>'gate')
              from unnest(array['dispatch', 'stage_advance', 'review_done', 'agent_action']) a))
$$;

-- What got less strict from one reading to the next: gates that ask less, a lower risk.
create or replace function governance_lowered(p_before jsonb, p_after jsonb) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_agg(l.x order by l.n), '[]'::jsonb)
  from (
    select array_position(array['dispatch', 'stage_advance', 'review_done', 'agent_action'], g.key) as n,
           jsonb_build_object('what', g.key, 'from', g.value, 'to', p_after->'gates'->>g.key) as x
    from jsonb_each_text(p_before->'gates') g
    where gate_rank(p_after->'gates'->>g.key) > gate_rank(g.value)
    union all
    select 5, jsonb_build_object('what', 'risk', 'from', p_before->>'risk', 'to', p_after->>'risk')
    where risk_rank(p_after->>'risk') < risk_rank(p_before->>'risk')
  ) l
$$;

create or replace function describe_governance_lowered(p_lowered jsonb) returns text
language sql immutable as $$
  select string_agg(case when l->>'what' = 'risk' then format('its risk would drop from %s to %s', l->>'from', l->>'to')
                         else format('%s would %s',
                                     case l->>'what' when 'dispatch' then 'dispatching it' when 'review_done' then 'marking it done'
                                                     when 'stage_advance' then 'advancing it to the next stage' else 'its agent''s actions' end,
                                     case l->>'to' when 'allow' then 'no longer need approval' else 'get a veto window instead of an approver' end) end,
                    '; ' order by n)
  from jsonb_array_elements(p_lowered) with ordinality as x(l, n)
$$;

-- An enabled approver or admin, by the actor's id (never by a name or a role a caller claims).
create or replace function actor_is_approver(p_actor jsonb) returns boolean
language sql stable as $$
  select coalesce(p_actor->>'type' = 'user', false)
     and exists (select 1 from users where id::text = p_actor->>'id' and disabled_at is null and role in ('approver', 'admin'))
$$;

-- After a write that changed what may govern a task, compared with
-- p_before = task_governance before the write. p_field is what changed:
-- 'task_type_id' (the task's type), 'assigned_agent_id' or 'agent_id' (who
-- works on it), or 'task_type' (an admin edited the type itself).
-- - A lowering by anyone but an approver or admin is refused, and the
--   caller's whole transaction rolls back, so nothing changes. A type that
--   lowers the gates is refused at any status; a less supervised agent
--   (no agent counts as hitl) only once work has started or a request is pending, since before
--   that choosing the agent is part of writing the task.
-- - A pending system request whose gate now allows the action is cancelled
--   with the reason; one whose gate now needs an approver loses its veto
--   window (it would otherwise run by itself when the window closed); every
--   other pending request is kept and still decides.
-- - The change is audited (a lowering, a new type, or settled requests), and
--   the task's activity says what happened to its requests.
create or replace function settle_governance_change(p_task_id uuid, p_before jsonb, p_actor jsonb, p_field text) returns jsonb
language plpgsql as $$
declare
  v_after jsonb := task_governance(p_task_id);
  v_lowered jsonb;
  v_cancelled jsonb;
  v_held jsonb;
  v_task tasks;
  v_decider uuid;
begin
  if v_after = p_before then
    return null;
  end if;
  select * into v_task from tasks where id = p_task_id;
  v_lowered := governance_lowered(p_before, v_after);
  if v_lowered <> '[]'::jsonb and not actor_is_approver(p_actor)
     and (p_field in ('task_type_id', 'task_type') or v_task.status not in ('planning', 'inbox')
          or exists (select 1 from approvals where task_id = p_task_id and status = 'pending')) then
    perform raise_app_error('forbidden',
      format('Only an approver or admin can lower this task''s governance: %s. Nothing was changed; ask an approver.',
             describe_governance_lowered(v_lowered)),
      jsonb_build_object('fields', jsonb_build_object(p_field, 'Only an approver or admin can make this change'), 'lowered', v_lowered));
  end if;
  select id into v_decider from users where p_actor->>'type' = 'user' and id::text = p_actor->>'id';
  with cancelled as (
    update approvals set status = 'cancelled', decided_at = now(), decided_by = v_decider, decided_by_policy = 'governance_changed',
                         comment = format('No longer needed: %s changed what governs the task', coalesce(nullif(p_actor->>'name', ''), 'an approver'))
    where task_id = p_task_id and status = 'pending' and action in ('task.dispatch', 'task.review_done', 'task.stage_advance')
      and v_after->'gates'->>approval_gate(action) = 'allow'
    returning id, action
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'action', action) order by action), '[]'::jsonb) into v_cancelled from cancelled;
  with held as (
    update approvals set mode = 'hitl', veto_until = null
    where task_id = p_task_id and status = 'pending' and mode = 'hotl' and v_after->'gates'->>approval_gate(action) = 'hitl'
    returning id, action
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'action', action) order by action), '[]'::jsonb) into v_held from held;
  if v_lowered = '[]'::jsonb and v_cancelled = '[]'::jsonb and v_held = '[]'::jsonb
     and p_before->>'task_type' is not distinct from v_after->>'task_type' then
    -- A stricter agent: nothing to settle, nothing a reviewer of the log needs.
    return null;
  end if;

  perform append_audit('task.governance_changed', p_actor, jsonb_build_object('task_id', p_task_id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('field', p_field, 'from', p_before, 'to', v_after, 'lowered', v_lowered,
                       'cancelled_approvals', v_cancelled, 'held_approvals', v_held));
  if v_lowered <> '[]'::jsonb or v_cancelled <> '[]'::jsonb or v_held <> '[]'::jsonb then
    perform log_task_activity(p_task_id, 'governance_changed',
      case when v_lowered <> '[]'::jsonb then 'Governance lowered: ' || describe_governance_lowered(v_lowered) else 'Governance raised' end
      || case when jsonb_array_length(v_cancelled) > 0 then format('; %s pending approval(s) cancelled', jsonb_array_length(v_cancelled)) else '' end
      || case when jsonb_array_length(v_held) > 0 then format('; %s pending approval(s) now wait for an approver', jsonb_array_length(v_held)) else '' end,
      jsonb_build_object('lowered', v_lowered, 'cancelled_approvals', v_cancelled, 'held_approvals', v_held), p_actor);
  end if;
  perform emit_event('approval.resolved', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
                     jsonb_build_object('approval_id', c->>'id', 'status', 'cancelled', 'action', c->>'action', 'title', v_task.title))
  from jsonb_array_elements(v_cancelled) c;
  return jsonb_build_object('lowered', v_lowered, 'cancelled_approvals', v_cancelled, 'held_approvals', v_held);
end $$;

create or replace function autonomy_label(p_level text) returns text
language sql immutable as $$
  select case p_level when 'hitl' then 'human in the loop' when 'hotl' then 'human on the loop' else p_level end
$$;

-- What got less supervised from one reading of a setting to the next:
-- [{what, from, to}] for a level that supervises less, or an advance no
-- longer gated. A key missing on either side is not compared.
create or replace function supervision_lowered(p_before jsonb, p_after jsonb) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_agg(l.x order by l.n), '[]'::jsonb)
  from (
    select 1 as n, jsonb_build_object('what', 'autonomy_level', 'from', p_before->>'autonomy_level', 'to', p_after->>'autonomy_level') as x
    where autonomy_rank(p_after->>'autonomy_level') > autonomy_rank(p_before->>'autonomy_level')
    union all
    select 2, jsonb_build_object('what', 'gate_advance', 'from', true, 'to', false)
    where (p_before->>'gate_advance')::boolean and not (p_after->>'gate_advance')::boolean
  ) l
$$;

-- Refuses a lowering (supervision_lowered) unless the actor is an enabled
-- approver or admin. p_subject names what is edited, for the message; the
-- details name the form fields and what would be lost.
create or replace function refuse_unapproved_lowering(p_actor jsonb, p_subject text, p_lowered jsonb) returns void
language plpgsql as $$
begin
  if p_lowered = '[]'::jsonb or actor_is_approver(p_actor) then
    return;
  end if;
  perform raise_app_error('forbidden',
    format('Only an approver or admin can lower %s: %s. Nothing was changed; ask an approver.', p_subject,
           (select string_agg(case when l->>'what' = 'gate_advance' then 'its advance to the next stage would no longer be gated'
                                   else format('its autonomy would go from %s to %s', autonomy_label(l->>'from'), autonomy_label(l->>'to')) end,
                              '; ' order by n)
            from jsonb_array_elements(p_lowered) with ordinality as x(l, n))),
    jsonb_build_object('fields', (select jsonb_object_agg(l->>'what', 'Only an approver or admin can make this change') from jsonb_array_elements(p_lowered) l),
                       'lowered', p_lowered));
end $$;

-- ---------------------------------------------------------------------------
-- Exec approvals (decision 043): the commands an agent runs inside OpenClaw,
-- decided with the same policy as every other gate.

-- A command matches an allowlist pattern when the whole command matches it,
-- `*` standing for any text; a command that chains, pipes, redirects or
-- substitutes matches no pattern, so `ls *` never lets `ls; rm -rf ~` through.
create or replace function exec_allowlisted(p_patterns text[], p_command text) returns boolean
language sql immutable as $$
  select p_command !~ '[;&|`$<>()\n\r\\]'
     and exists (select 1 from unnest(coalesce(p_patterns, '{}'::text[])) p
                 where btrim(p) <> ''
                   and btrim(p_command) like replace(replace(replace(btrim(p), '%', '\%'), '_', '\_'), '*', '%'))
$$;

-- The approval action of one exact command: a standing grant for it allows that command, and only that one, on its task.
create or replace function exec_action(p_command text) returns text
language sql immutable as $$
  select 'exec:' || left(encode(sha256(convert_to(p_command, 'UTF8')), 'hex'), 32)
$$;

-- The gate of a command on a task: 'allow' (by autonomous_allowlist or
-- standing_grant), 'hotl' (a veto window) or 'hitl' (an approver). High risk
-- always asks an approver; an autonomous agent runs allowlisted commands and
-- gets a veto window for the rest; a standing grant (low risk only) allows its
-- command at any level, as task_gate honours grants.
create or replace function exec_gate(p_task_id uuid, p_command text) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'gate', case when risk = 'high' then 'hitl'
                 when granted then 'allow'
                 when level = 'autonomous' and allowed then 'allow'
                 when level = 'hitl' then 'hitl'
                 else 'hotl' end,
    'by', case when risk = 'high' then 'high_risk'
               when granted then 'standing_grant'
               when level = 'autonomous' and allowed then 'autonomous_allowlist'
               when level = 'hitl' then 'hitl'
               when level = 'autonomous' then 'not_allowlisted'
               else 'hotl' end,
    'level', level, 'risk', risk, 'allowlisted', allowed, 'veto_minutes', veto_minutes)
  from (
    select effective_autonomy(a.autonomy_level, ty.default_autonomy, s.autonomy_level, coalesce(ty.risk, 'low')) as level,
           coalesce(ty.risk, 'low') as risk, coalesce(ty.veto_minutes, 10) as veto_minutes,
           exec_allowlisted(ty.exec_allowlist, p_command) as allowed,
           has_standing_grant(t.id, exec_action(p_command)) as granted
    from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
    left join pipeline_stages s on s.id = t.stage_id
    where t.id = p_task_id
  ) x
$$;

create or replace function exec_request_json(r exec_requests) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', r.id, 'gateway_request_id', r.gateway_request_id, 'workspace_id', r.workspace_id, 'task_id', r.task_id,
    'agent_id', r.agent_id, 'gateway_agent_id', r.gateway_agent_id, 'session_key', r.session_key, 'run_id', r.run_id, 'tool_call_id', r.tool_call_id,
    'command', r.command, 'argv', r.argv, 'cwd', r.cwd, 'host', r.host, 'digest', r.digest, 'gate', r.gate, 'gate_by', r.gate_by,
    'approval_id', r.approval_id, 'decision', r.decision, 'decision_reason', r.decision_reason, 'decided_at', r.decided_at,
    'gateway_expires_at', r.gateway_expires_at, 'resolved_at', r.resolved_at, 'resolve_error', r.resolve_error, 'created_at', r.created_at,
    'approval', (select jsonb_build_object('status', a.status, 'mode', a.mode, 'veto_until', a.veto_until, 'expires_at', a.expires_at,
                                           'decided_by_name', u.name, 'by', a.decided_by_policy)
                 from approvals a left join users u on u.id = a.decided_by where a.id = r.approval_id))
$$;

-- Records one exec approval request from the gateway and decides it by
-- policy, in one transaction. A request the gateway sent before (same id) is
-- answered with its first record (replayed: true) and changes nothing. The
-- session key names the task; a session that is not a live Mission Control
-- task of the agent that asks is unattributed and denied (the strictest
-- policy). A veto window or an approval is bounded by p_deadline, which the
-- caller sets before the gateway's own expiry, so Mission Control always
-- answers first.
create or replace function record_exec_request(p_request jsonb, p_deadline timestamptz, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_r exec_requests;
  v_task tasks;
  v_agent agents;
  v_gate jsonb;
  v_halt text;
  v_args jsonb;
  v_a approvals;
  v_command text := p_request->>'command';
  v_system jsonb := '{"type":"system","name":"exec approvals"}'::jsonb;
begin
  select * into v_r from exec_requests where gateway_request_id = p_request->>'gateway_request_id';
  if found then
    return exec_request_json(v_r) || jsonb_build_object('replayed', true);
  end if;
  if v_command is null or btrim(v_command) = '' then
    perform raise_app_error('invalid', 'An exec request needs its command.');
  end if;

  select * into v_task from tasks t
  where t.deleted_at is null and p_request->>'session_key' is not null
    and (t.session_key = p_request->>'session_key'
         or exists (select 1 from task_stage_runs sr where sr.task_id = t.id and sr.session_key = p_request->>'session_key'))
  limit 1;
  if v_task.id is not null then
    select * into v_agent from agents where id = v_task.assigned_agent_id;
    -- The agent that asks must be the task's own.
    if v_agent.id is null or v_agent.openclaw_agent_id is distinct from p_request->>'gateway_agent_id' then
      v_task := null;
      v_agent := null;
    end if;
  end if;

  v_args := jsonb_strip_nulls(jsonb_build_object('command', v_command, 'argv', p_request->'argv', 'cwd', p_request->>'cwd',
    'host', p_request->>'host', 'agent', p_request->>'gateway_agent_id', 'session', p_request->>'session_key'));
  if v_task.id is null then
    v_gate := jsonb_build_object('gate', 'deny', 'by', 'unattributed');
  elsif v_task.status in ('done', 'cancelled') then
    v_gate := jsonb_build_object('gate', 'deny', 'by', 'task_closed');
  else
    v_halt := dispatch_halt(v_task);
    v_gate := case when v_halt is not null then jsonb_build_object('gate', 'deny', 'by', v_halt) else exec_gate(v_task.id, v_command) end;
  end if;

  insert into exec_requests (gateway_request_id, workspace_id, task_id, agent_id, gateway_agent_id, session_key, run_id, tool_call_id,
                             command, argv, cwd, host, digest, gate, gate_by, gateway_expires_at, decision, decision_reason, decided_at)
  values (p_request->>'gateway_request_id', v_task.workspace_id, v_task.id, v_agent.id, p_request->>'gateway_agent_id',
          p_request->>'session_key', p_request->>'run_id', p_request->>'tool_call_id', v_command, p_request->'argv', p_request->>'cwd', p_request->>'host',
          encode(sha256(convert_to('exec|' || v_args::text, 'UTF8')), 'hex'), v_gate->>'gate', v_gate->>'by',
          (p_request->>'gateway_expires_at')::timestamptz,
          case v_gate->>'gate' when 'allow' then 'allow-once' when 'deny' then 'deny' end,
          case v_gate->>'gate'
            when 'allow' then case v_gate->>'by' when 'standing_grant' then 'Allowed by a standing grant for this command on this task'
                                                  else 'Allowed: the agent is autonomous and the command is on the task type''s allowlist' end
            when 'deny' then case v_gate->>'by'
              when 'unattributed' then 'Denied: the session is not a Mission Control task of this agent'
              when 'task_closed' then format('Denied: the task is %s', v_task.status)
              when 'emergency_stop' then 'Denied: the emergency stop is on'
              when 'workspace_paused' then 'Denied: the workspace is paused'
              when 'agent_paused' then 'Denied: the agent is paused'
              else 'Denied by policy' end
          end,
          case when v_gate->>'gate' in ('allow', 'deny') then now() end)
  returning * into v_r;

  if v_r.gate in ('hotl', 'hitl') then
    insert into approvals (task_id, requested_by_agent_id, action, args, target, reason, digest, expires_at, mode, veto_until)
    values (v_task.id, v_agent.id, exec_action(v_command), v_args, left(v_command, 500),
            left(format('Run `%s`%s', v_command, coalesce(' in ' || (p_request->>'cwd'), '')), 2000), v_r.digest,
            least(now() + make_interval(secs => p_ttl_seconds), p_deadline), v_r.gate,
            case when v_r.gate = 'hotl' then least(now() + make_interval(mins => (v_gate->>'veto_minutes')::int), p_deadline) end)
    returning * into v_a;
    update exec_requests set approval_id = v_a.id where id = v_r.id returning * into v_r;
    perform log_task_activity(v_task.id, 'approval_requested',
      case when v_r.gate = 'hotl' then format('The agent runs `%s` unless vetoed by %s', left(v_command, 200), to_char(v_a.veto_until at time zone 'UTC', 'HH24:MI:SS "UTC"'))
           else format('The agent asks to run `%s`; it needs an approver', left(v_command, 200)) end,
      jsonb_build_object('approval_id', v_a.id, 'mode', v_r.gate, 'exec_request_id', v_r.id), v_system);
    perform emit_event('approval.requested', v_task.workspace_id, v_task.id, v_agent.id, v_system,
      jsonb_build_object('approval_id', v_a.id, 'action', v_a.action, 'title', v_task.title, 'mode', v_r.gate, 'command', left(v_command, 200)));
  elsif v_task.id is not null then
    perform log_task_activity(v_task.id, case when v_r.decision = 'deny' then 'exec_denied' else 'exec_allowed' end,
      format('%s: `%s`', v_r.decision_reason, left(v_command, 200)), jsonb_build_object('exec_request_id', v_r.id, 'by', v_r.gate_by), v_system);
  end if;
  perform append_audit('exec.requested', v_system, jsonb_build_object('exec_request_id', v_r.id, 'task_id', v_task.id),
    jsonb_build_object('command', left(v_command, 2000), 'cwd', v_r.cwd, 'host', v_r.host, 'agent', v_r.gateway_agent_id,
                       'session', v_r.session_key, 'gate', v_r.gate, 'by', v_r.gate_by, 'digest', v_r.digest));
  return exec_request_json(v_r) || jsonb_build_object('replayed', false);
end $$;

-- Decisions the gateway still has to hear: requests whose approval has been
-- decided get their decision here (approved: allow once; denied, vetoed,
-- expired or cancelled: deny, with the reason the agent is told), and every
-- request with a decision not yet taken by the gateway is returned. Requests
-- the gateway already gave up on are closed with that reason instead.
create or replace function settle_exec_requests(p_limit int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
  r record;
begin
  for r in
    select e.id, e.task_id, e.command, a.status, a.decided_by_policy, a.comment, u.name as decider
    from exec_requests e join approvals a on a.id = e.approval_id left join users u on u.id = a.decided_by
    where e.decision is null and e.resolved_at is null and e.resolve_error is null and a.status <> 'pending'
    order by e.created_at limit greatest(p_limit, 0)
    for update of e skip locked
  loop
    update exec_requests set decided_at = now(),
      decision = case when r.status = 'approved' then 'allow-once' else 'deny' end,
      decision_reason = left(case
        when r.status = 'approved' and r.decided_by_policy = 'hotl_window' then 'Allowed: nobody vetoed it within the window'
        when r.status = 'approved' then format('Approved by %s', coalesce(r.decider, 'an approver'))
        when r.status = 'denied' and r.decided_by_policy is null then format('Denied by %s%s', coalesce(r.decider, 'an approver'), coalesce(': ' || r.comment, ''))
        when r.status = 'denied' then format('Denied (%s)', r.decided_by_policy)
        when r.status = 'expired' then 'Denied: nobody approved it before the approval expired'
        else 'Denied: the request was cancelled' end, 2000)
    where id = r.id;
  end loop;
  -- The gateway has stopped waiting on these: nothing to tell it any more.
  update exec_requests set resolve_error = 'the gateway''s approval timed out first'
  where resolved_at is null and resolve_error is null and gateway_expires_at <= now();
  select coalesce(jsonb_agg(exec_request_json(e) order by e.created_at), '[]'::jsonb) into v_rows
  from (select * from exec_requests where decision is not null and resolved_at is null and resolve_error is null
        order by created_at limit greatest(p_limit, 0)) e;
  return v_rows;
end $$;

-- The gateway took a decision (p_error null), or refused it (p_error says why); audited either way.
create or replace function mark_exec_resolved(p_id uuid, p_error text) returns jsonb
language plpgsql as $$
declare
  v_r exec_requests;
  v_system jsonb := '{"type":"system","name":"exec approvals"}'::jsonb;
begin
  update exec_requests set resolved_at = case when p_error is null then now() end, resolve_error = left(p_error, 2000)
  where id = p_id and resolved_at is null and resolve_error is null returning * into v_r;
  if not found then
    select * into v_r from exec_requests where id = p_id;
    if not found then
      perform raise_app_error('not_found', 'Exec request not found.');
    end if;
    return exec_request_json(v_r);
  end if;
  perform append_audit('exec.resolved', v_system, jsonb_build_object('exec_request_id', v_r.id, 'task_id', v_r.task_id),
    jsonb_build_object('decision', v_r.decision, 'reason', v_r.decision_reason, 'error', v_r.resolve_error, 'digest', v_r.digest));
  if v_r.task_id is not null and v_r.approval_id is not null then
    perform log_task_activity(v_r.task_id, case when v_r.decision = 'deny' then 'exec_denied' else 'exec_allowed' end,
      format('%s: `%s`%s', v_r.decision_reason, left(v_r.command, 200), coalesce(' (the gateway refused: ' || v_r.resolve_error || ')', '')),
      jsonb_build_object('exec_request_id', v_r.id, 'approval_id', v_r.approval_id), v_system);
  end if;
  return exec_request_json(v_r);
end $$;

-- A task's commands, newest first, with their decisions.
create or replace function list_task_exec_requests(p_task_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(exec_request_json(e) order by e.created_at desc), '[]'::jsonb)
  from (select * from exec_requests where task_id = p_task_id order by created_at desc limit least(greatest(p_limit, 1), 200)) e
$$;
