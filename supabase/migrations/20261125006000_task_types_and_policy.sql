-- Task types carry the governance settings: risk class, default autonomy,
-- which actions are gated, the veto window for human-on-the-loop, and what
-- happens when an approval request expires.

create table task_types (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  risk text not null check (risk in ('low', 'medium', 'high')),
  default_autonomy text not null check (default_autonomy in ('hitl', 'hotl', 'autonomous')),
  gated_actions text[] not null default '{agent_action}'
    check (gated_actions <@ array['dispatch', 'stage_advance', 'review_done', 'agent_action']::text[]),
  veto_minutes int not null default 10 check (veto_minutes between 1 and 1440),
  expiry_policy text not null default 'deny' check (expiry_policy in ('deny', 'escalate')),
  -- High risk is never autonomous, here as in app/domain/autonomy.ts.
  constraint task_types_high_risk_not_autonomous check (risk <> 'high' or default_autonomy <> 'autonomous'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger task_types_updated_at before update on task_types for each row execute function set_updated_at();

insert into task_types (key, name, risk, default_autonomy, gated_actions, veto_minutes, expiry_policy) values
  ('research', 'Research', 'low', 'autonomous', '{agent_action}', 10, 'deny'),
  ('code_change', 'Code change', 'medium', 'hotl', '{agent_action,review_done}', 10, 'deny'),
  ('deploy', 'Deploy', 'high', 'hitl', '{dispatch,agent_action,review_done}', 10, 'escalate'),
  ('outbound_message', 'Outbound message', 'high', 'hitl', '{agent_action,review_done}', 10, 'escalate');

alter table tasks add column task_type_id uuid references task_types (id) on delete set null;

alter table approvals
  add column mode text not null default 'hitl' check (mode in ('hitl', 'hotl', 'policy')),
  add column veto_until timestamptz,
  add column escalated_at timestamptz;

create or replace function list_task_types() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'key', key, 'name', name, 'risk', risk, 'default_autonomy', default_autonomy,
                                               'gated_actions', to_jsonb(gated_actions), 'veto_minutes', veto_minutes,
                                               'expiry_policy', expiry_policy) order by name), '[]'::jsonb)
  from task_types
$$;

create or replace function update_task_type(p_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old task_types;
  v_new task_types;
begin
  select * into v_old from task_types where id = p_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task type not found.');
  end if;
  update task_types set
    name = coalesce(btrim(p_fields->>'name'), name),
    risk = coalesce(p_fields->>'risk', risk),
    default_autonomy = coalesce(p_fields->>'default_autonomy', default_autonomy),
    gated_actions = coalesce((select array_agg(x) from jsonb_array_elements_text(p_fields->'gated_actions') x), case when p_fields ? 'gated_actions' then '{}'::text[] end, gated_actions),
    veto_minutes = coalesce((p_fields->>'veto_minutes')::int, veto_minutes),
    expiry_policy = coalesce(p_fields->>'expiry_policy', expiry_policy)
  where id = p_id returning * into v_new;
  perform append_audit('task_type.changed', p_actor, jsonb_build_object('task_type_id', p_id),
    jsonb_build_object('from', to_jsonb(v_old) - 'updated_at' - 'created_at', 'to', to_jsonb(v_new) - 'updated_at' - 'created_at'));
  return jsonb_build_object('id', v_new.id, 'key', v_new.key);
end $$;

-- Everything the policy needs about one task, for app/domain/autonomy.ts.
create or replace function policy_context(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'task_id', t.id, 'agent_level', coalesce(a.autonomy_level, 'hitl'),
    'type_level', ty.default_autonomy, 'risk', coalesce(ty.risk, 'low'),
    'gated_actions', coalesce(to_jsonb(ty.gated_actions), '["agent_action"]'::jsonb),
    'veto_minutes', coalesce(ty.veto_minutes, 10), 'expiry_policy', coalesce(ty.expiry_policy, 'deny'),
    'task_type', ty.key)
  from tasks t left join agents a on a.id = t.assigned_agent_id left join task_types ty on ty.id = t.task_type_id
  where t.id = p_task_id
$$;

-- The agent's request, resolved by policy: 'approved' at once (autonomous or
-- ungated: recorded for the audit), pending with a veto window (hotl), or
-- pending for an approver (hitl). A pending request for the same digest is
-- returned instead of a twin.
create or replace function agent_request_action(p_agent_id uuid, p_task_id uuid, p_action text, p_args jsonb, p_target text,
                                                p_reason text, p_digest text, p_ttl_seconds int, p_mode text, p_veto_seconds int, p_policy text)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_a approvals;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  select * into v_a from approvals
  where task_id = p_task_id and digest = p_digest and status = 'pending' and expires_at > now();
  if found then
    return approval_json(v_a) || jsonb_build_object('existing', true, 'veto_until', v_a.veto_until);
  end if;
  insert into approvals (task_id, requested_by_agent_id, action, args, target, reason, digest, expires_at, mode, veto_until,
                         status, decided_by_policy, decided_at)
  values (p_task_id, p_agent_id, p_action, coalesce(p_args, '{}'::jsonb), coalesce(p_target, ''), coalesce(p_reason, ''), p_digest,
          now() + make_interval(secs => p_ttl_seconds), p_mode,
          case when p_mode = 'hotl' then now() + make_interval(secs => p_veto_seconds) end,
          case when p_mode = 'policy' then 'approved' else 'pending' end,
          case when p_mode = 'policy' then p_policy end,
          case when p_mode = 'policy' then now() end)
  returning * into v_a;
  perform touch_task_activity(p_task_id);
  if p_mode = 'policy' then
    perform append_audit('approval.approved', jsonb_build_object('type', 'system', 'name', 'policy:' || p_policy),
      jsonb_build_object('approval_id', v_a.id, 'task_id', p_task_id), jsonb_build_object('action', p_action, 'digest', p_digest));
    perform log_task_activity(p_task_id, 'approval_auto', format('%s allowed by policy (%s)', p_action, p_policy),
      jsonb_build_object('approval_id', v_a.id), agent_actor(p_agent_id));
  else
    perform log_task_activity(p_task_id, 'approval_requested',
      case when p_mode = 'hotl' then format('Will %s unless vetoed within %s min', p_action, p_veto_seconds / 60)
           else format('Asked for approval: %s', p_action) end,
      jsonb_build_object('approval_id', v_a.id, 'mode', p_mode), agent_actor(p_agent_id));
    perform emit_event('approval.requested', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
      jsonb_build_object('approval_id', v_a.id, 'action', p_action, 'title', v_task.title, 'mode', p_mode));
  end if;
  return approval_json(v_a) || jsonb_build_object('existing', false, 'veto_until', v_a.veto_until);
end $$;

-- agent_request_action replaces the policy-less request function.
drop function agent_request_approval(uuid, uuid, text, jsonb, text, text, text, int);

-- Closes veto windows nobody used: the action is approved by policy, once.
create or replace function close_veto_windows(p_limit int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
begin
  with due as (
    select id from approvals where status = 'pending' and veto_until is not null and veto_until <= now()
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

-- Expiry with the task type's policy: deny (the request expires), or
-- escalate once to admins (flagged, with a fresh expiry), then expire.
create or replace function expire_approvals(p_limit int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
begin
  with due as (
    select a.id, coalesce(ty.expiry_policy, 'deny') as policy, a.escalated_at
    from approvals a join tasks t on t.id = a.task_id left join task_types ty on ty.id = t.task_type_id
    where a.status = 'pending' and a.expires_at <= now()
    order by a.expires_at limit greatest(p_limit, 0) for update of a skip locked
  ), escalated as (
    update approvals a set escalated_at = now(), expires_at = now() + (a.expires_at - a.created_at)
    from due where a.id = due.id and due.policy = 'escalate' and due.escalated_at is null returning a.*, 'escalated'::text as outcome
  ), expired as (
    update approvals a set status = 'expired', decided_at = now(), decided_by_policy = 'expiry'
    from due where a.id = due.id and not (due.policy = 'escalate' and due.escalated_at is null) returning a.*, 'expired'::text as outcome
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

-- Approval JSON gains the governance fields.
create or replace function approval_json(a approvals) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', a.id, 'task_id', a.task_id, 'action', a.action, 'args', a.args, 'target', a.target,
    'reason', a.reason, 'digest', a.digest, 'status', a.status, 'expires_at', a.expires_at, 'created_at', a.created_at,
    'decided_at', a.decided_at, 'comment', a.comment, 'mode', a.mode, 'veto_until', a.veto_until, 'escalated', a.escalated_at is not null,
    'by', case when a.decided_by_policy is not null then a.decided_by_policy
               when a.decided_by is not null then 'operator' end)
$$;

-- Changing an agent's autonomy is audited with who did it (the trigger reads mc.actor).
create or replace function set_agent_autonomy(p_agent_id uuid, p_level text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_agent agents;
begin
  perform set_config('mc.actor', p_actor::text, true);
  update agents set autonomy_level = p_level where id = p_agent_id returning * into v_agent;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
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

create or replace function create_task(p_workspace_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_status text := coalesce(p_fields->>'status', 'inbox');
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if v_status not in ('planning', 'inbox', 'assigned') then
    perform raise_app_error('invalid', 'New tasks start in planning, inbox or assigned.',
      jsonb_build_object('fields', jsonb_build_object('status', 'Choose planning, inbox or assigned')));
  end if;
  perform check_assignee(p_workspace_id, (p_fields->>'assigned_agent_id')::uuid);
  perform check_task_type((p_fields->>'task_type_id')::uuid);
  if v_status = 'assigned' and nullif(p_fields->>'assigned_agent_id', '') is null then
    perform raise_app_error('invalid', 'Choose an agent before assigning the task.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Required when the status is assigned')));
  end if;
  insert into tasks (workspace_id, title, description, status, priority, assigned_agent_id, due_at, created_by, task_type_id)
  values (p_workspace_id, btrim(p_fields->>'title'), coalesce(p_fields->>'description', ''), v_status,
          coalesce(p_fields->>'priority', 'normal'), (p_fields->>'assigned_agent_id')::uuid,
          (p_fields->>'due_at')::timestamptz, case when p_actor->>'type' = 'user' then (p_actor->>'id')::uuid end,
          (p_fields->>'task_type_id')::uuid)
  returning * into v_task;
  insert into task_activities (task_id, type, message, actor_type, actor_id, actor_name)
  values (v_task.id, 'created', 'Task created', coalesce(p_actor->>'type', 'system'),
          (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  perform emit_event('task.created', p_workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'priority', v_task.priority));
  return jsonb_build_object('id', v_task.id, 'status', v_task.status);
end $$;

create or replace function update_task(p_task_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old tasks;
  v_new tasks;
  v_changed jsonb;
begin
  select * into v_old from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if p_fields ? 'assigned_agent_id' then
    perform check_assignee(v_old.workspace_id, (p_fields->>'assigned_agent_id')::uuid);
  end if;
  perform check_task_type((p_fields->>'task_type_id')::uuid);
  if coalesce(p_fields->>'status', v_old.status) in ('assigned', 'in_progress')
     and (case when p_fields ? 'assigned_agent_id' then (p_fields->>'assigned_agent_id')::uuid else v_old.assigned_agent_id end) is null then
    perform raise_app_error('invalid', 'Choose an agent before assigning the task.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Required while the task is assigned or in progress')));
  end if;
  update tasks set
    title = case when p_fields ? 'title' then btrim(p_fields->>'title') else title end,
    description = case when p_fields ? 'description' then coalesce(p_fields->>'description', '') else description end,
    priority = case when p_fields ? 'priority' then p_fields->>'priority' else priority end,
    assigned_agent_id = case when p_fields ? 'assigned_agent_id' then (p_fields->>'assigned_agent_id')::uuid else assigned_agent_id end,
    due_at = case when p_fields ? 'due_at' then (p_fields->>'due_at')::timestamptz else due_at end,
    status = case when p_fields ? 'status' then p_fields->>'status' else status end,
    task_type_id = case when p_fields ? 'task_type_id' then (p_fields->>'task_type_id')::uuid else task_type_id end
  where id = p_task_id
  returning * into v_new;

  select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) into v_changed
  from jsonb_each(to_jsonb(v_new)) n
  where key in ('title', 'description', 'priority', 'assigned_agent_id', 'due_at', 'status', 'task_type_id')
    and n.value is distinct from to_jsonb(v_old)->key;
  if v_changed = '{}'::jsonb then
    return jsonb_build_object('id', v_new.id, 'status', v_new.status, 'changed', '[]'::jsonb);
  end if;

  if v_changed ? 'status' then
    insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
    values (p_task_id, 'status_changed', format('Moved from %s to %s', v_old.status, v_new.status),
            jsonb_build_object('from', v_old.status, 'to', v_new.status),
            coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  end if;
  if v_changed - 'status' <> '{}'::jsonb then
    insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
    values (p_task_id, 'updated', 'Updated ' || (select string_agg(replace(k, '_', ' '), ', ' order by k)
                                                  from jsonb_object_keys(v_changed - 'status') k),
            jsonb_build_object('fields', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed - 'status') k)),
            coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  end if;
  perform emit_event('task.updated', v_new.workspace_id, v_new.id, v_new.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_new.title, 'status', v_new.status, 'from_status', v_old.status,
                       'changed', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed) k)));
  return jsonb_build_object('id', v_new.id, 'status', v_new.status,
                            'changed', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changed) k));
end $$;

create or replace function task_type_of(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', ty.id, 'key', ty.key, 'name', ty.name, 'risk', ty.risk)
  from tasks t join task_types ty on ty.id = t.task_type_id where t.id = p_task_id
$$;
