-- Decision 014. Two things, both inside the transaction of the write itself:
--
-- 1. Nobody below approver lowers what governs a task. A task's gates come
--    from its type, its agent and its pipeline stage; editing the type or the
--    assignee could turn "marking it done needs an approver" into "allowed"
--    while the request waited in the inbox. Such an edit is now refused
--    (forbidden, nothing changes) unless an approver or admin makes it; then
--    the pending requests it made moot are cancelled with the reason, those
--    that still apply are kept (one whose gate now needs an approver loses
--    its veto window), and the change is audited.
-- 2. Every security-relevant action is in the audit log with the person who
--    did it (name and email, not the role): users, sign-in and sign-out,
--    agents and their tokens, deletions.

-- A request the change made moot is cancelled, not denied: nobody said no.
alter table approvals drop constraint approvals_status_check;
alter table approvals add constraint approvals_status_check check (status in ('pending', 'approved', 'denied', 'expired', 'cancelled'));

-- ---------------------------------------------------------------------------
-- Audit: the actor is named once, here, for every writer.
-- ---------------------------------------------------------------------------

-- A user actor carries their name and email as they are now; other actors pass unchanged.
create or replace function audit_actor(p_actor jsonb) returns jsonb
language sql stable as $$
  select case when u.id is not null then coalesce(p_actor, '{}'::jsonb) || jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email)
              else coalesce(p_actor, '{}'::jsonb) end
  from (select 1) one
  left join users u on p_actor->>'type' = 'user' and u.id::text = p_actor->>'id'
$$;

create or replace function user_actor(p_user_id uuid) returns jsonb
language sql stable as $$
  select audit_actor(jsonb_build_object('type', 'user', 'id', p_user_id))
$$;

-- As in 20261125005000, with the actor named by audit_actor.
create or replace function append_audit(p_kind text, p_actor jsonb, p_subject jsonb, p_data jsonb) returns bigint
language plpgsql as $$
declare
  v_prev text;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
  v_actor jsonb := audit_actor(p_actor);
begin
  perform pg_advisory_xact_lock(hashtext('mc.audit'));
  select hash into v_prev from audit_log order by seq desc limit 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_seq := nextval(pg_get_serial_sequence('audit_log', 'seq'));
  insert into audit_log (seq, at, kind, actor, subject, data, prev_hash, hash)
  values (v_seq, v_at, p_kind, v_actor, coalesce(p_subject, '{}'::jsonb), coalesce(p_data, '{}'::jsonb), v_prev,
          audit_row_hash(v_prev, v_seq, v_at, p_kind, v_actor, coalesce(p_subject, '{}'::jsonb), coalesce(p_data, '{}'::jsonb)));
  return v_seq;
end $$;

-- The page shows who acted; rows written before actors carried a name get
-- it from the users table (display only: the stored row and its hash stay).
create or replace function list_audit_log(p_before bigint, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('seq', a.seq, 'at', a.at, 'kind', a.kind, 'actor', a.actor, 'subject', a.subject, 'data', a.data,
                                               'prev_hash', a.prev_hash, 'hash', a.hash,
                                               'actor_name', coalesce(a.actor->>'name', u.name, a.actor->>'email', a.actor->>'type'))
                            order by a.seq desc), '[]'::jsonb)
  from (select * from audit_log where p_before is null or seq < p_before order by seq desc limit least(greatest(p_limit, 1), 5000)) a
  left join users u on a.actor->>'type' = 'user' and u.id::text = a.actor->>'id'
$$;

-- As in 20261125005000, plus cancellations.
create or replace function audit_approval_decision() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status and new.status in ('approved', 'denied', 'expired', 'cancelled') then
    perform append_audit('approval.' || new.status,
      case when new.decided_by is not null then jsonb_build_object('type', 'user', 'id', new.decided_by)
           else jsonb_build_object('type', 'system', 'name', coalesce(new.decided_by_policy, 'system')) end,
      jsonb_build_object('approval_id', new.id, 'task_id', new.task_id),
      jsonb_build_object('action', new.action, 'digest', new.digest, 'comment', new.comment));
  end if;
  return new;
end $$;

-- A move an approval applied is audited as that approval, not as a manual override.
create or replace function audit_manual_move() returns trigger
language plpgsql as $$
begin
  if new.type = 'status_changed' and new.actor_type = 'user' and not (new.metadata ? 'approval_id') then
    perform append_audit('task.status_override', jsonb_build_object('type', 'user', 'id', new.actor_id, 'name', new.actor_name),
      jsonb_build_object('task_id', new.task_id), new.metadata);
  end if;
  return new;
end $$;

-- ---------------------------------------------------------------------------
-- Governance of one task: what its gates are, and who may lower them.
-- ---------------------------------------------------------------------------

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
--   lowers the gates is refused at any status; a less supervised agent (or
--   none) only once work has started or a request is pending, since before
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

-- As in 20261125006000: an admin's edit of a type settles the requests of
-- the tasks of that type that wait on one (the same rules as above).
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
  select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
  from tasks t where t.task_type_id = p_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
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
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'task_type') from jsonb_each(v_waiting) w;
  return jsonb_build_object('id', v_new.id, 'key', v_new.key);
end $$;

-- As in 20261125006000, with the governance check when the type or the agent changes.
create or replace function update_task(p_task_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old tasks;
  v_new tasks;
  v_changed jsonb;
  v_governance jsonb;
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
  -- Read only when the write may change it: a status move never does.
  if p_fields ?| array['task_type_id', 'assigned_agent_id'] then
    v_governance := task_governance(p_task_id);
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
  if v_changed ?| array['task_type_id', 'assigned_agent_id'] then
    perform settle_governance_change(p_task_id, v_governance, p_actor,
                                     case when v_changed ? 'task_type_id' then 'task_type_id' else 'assigned_agent_id' end);
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

-- As in 20261125001300: a reassignment is governed like the edit form's.
create or replace function retry_dispatch(p_task_id uuid, p_agent_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_governance jsonb;
  v_reassigned boolean;
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

-- As in 20261125012300; an approved "done" names the approver on the task's
-- activity (and on the last stage's run), not an anonymous "governance".
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
              'Moved from review to done' || case when v_user.id is not null then ' (approved by ' || v_user.name || ')' else ' (' || (v_actor->>'name') || ')' end,
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

-- As in 20261125014000, with who decided each request (the approver's name, not "operator").
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
        order by case when status = 'pending' then 0 else 1 end, coalesce(decided_at, created_at) desc
        limit least(greatest(p_limit, 1), 200)) a
  join tasks t on t.id = a.task_id
  join workspaces w on w.id = t.workspace_id
  left join task_types ty on ty.id = t.task_type_id
  left join agents ag on ag.id = a.requested_by_agent_id
  left join users u on u.id = a.requested_by_user_id
  left join users d on d.id = a.decided_by
$$;

-- ---------------------------------------------------------------------------
-- Users and sessions.
-- ---------------------------------------------------------------------------

-- As in 20261125001000, audited: the first admin comes from the set-up link.
create or replace function create_first_admin(p_setup_token_hash text, p_email text, p_name text, p_password_hash text)
returns jsonb language plpgsql as $$
declare
  v_user users;
begin
  lock table users in exclusive mode;
  if exists (select 1 from users) then
    perform raise_app_error('conflict', 'Set-up is already complete. Sign in instead.');
  end if;
  if not exists (select 1 from app_settings where key = 'setup_token_hash' and value = p_setup_token_hash) then
    perform raise_app_error('forbidden', 'This set-up link is not valid. Restart the server to print a new one.');
  end if;
  insert into users (email, name, role, password_hash) values (lower(p_email), btrim(p_name), 'admin', p_password_hash)
  returning * into v_user;
  delete from app_settings where key = 'setup_token_hash';
  perform append_audit('user.created', '{"type":"system","name":"set-up link"}'::jsonb, jsonb_build_object('user_id', v_user.id),
    jsonb_build_object('email', v_user.email, 'name', v_user.name, 'role', v_user.role, 'first_admin', true));
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role);
end $$;

-- Signing in is audited with the address it came from.
drop function create_session(text, uuid, int, text);
create or replace function create_session(p_token_hash text, p_user_id uuid, p_ttl_seconds int, p_user_agent text, p_client_ip text default null)
returns jsonb language plpgsql as $$
begin
  delete from sessions where user_id = p_user_id and expires_at < now();
  insert into sessions (token_hash, user_id, expires_at, user_agent)
  values (p_token_hash, p_user_id, now() + make_interval(secs => p_ttl_seconds), left(p_user_agent, 400));
  perform append_audit('auth.signed_in', user_actor(p_user_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('ip', left(p_client_ip, 100), 'user_agent', left(p_user_agent, 400)));
  return jsonb_build_object('ok', true);
end $$;

create or replace function delete_session(p_token_hash text) returns jsonb
language plpgsql as $$
declare
  v_user_id uuid;
begin
  delete from sessions where token_hash = p_token_hash returning user_id into v_user_id;
  if v_user_id is not null then
    perform append_audit('auth.signed_out', user_actor(v_user_id), jsonb_build_object('user_id', v_user_id), '{}'::jsonb);
  end if;
  return jsonb_build_object('ok', true);
end $$;

-- A refused sign-in, never with the password. Attempts the lockout turns
-- away are not recorded one by one (the row that locked says so), so
-- guessing cannot grow the log without bound.
create or replace function record_sign_in_failure(p_email text, p_reason text, p_client_ip text, p_locked boolean) returns jsonb
language plpgsql as $$
declare
  v_user users;
begin
  if p_reason not in ('unknown_user', 'wrong_password', 'disabled') then
    perform raise_app_error('invalid', 'Unknown sign-in failure reason.');
  end if;
  select * into v_user from users where email = lower(p_email);
  perform append_audit('auth.sign_in_failed', jsonb_build_object('type', 'anonymous', 'ip', left(p_client_ip, 100)),
    jsonb_build_object('email', left(lower(p_email), 320), 'user_id', v_user.id),
    jsonb_build_object('reason', p_reason, 'locked', coalesce(p_locked, false)));
  return jsonb_build_object('ok', true);
end $$;

-- As in 20261125002000, each audited with the admin who acted.
drop function create_user(text, text, text, text);
create or replace function create_user(p_email text, p_name text, p_role text, p_password_hash text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
begin
  if exists (select 1 from users where email = lower(p_email)) then
    perform raise_app_error('conflict', 'A user with that email already exists.',
      jsonb_build_object('fields', jsonb_build_object('email', 'Already registered')));
  end if;
  insert into users (email, name, role, password_hash) values (lower(p_email), btrim(p_name), p_role, p_password_hash)
  returning * into v_user;
  perform append_audit('user.created', user_actor(p_actor_id), jsonb_build_object('user_id', v_user.id),
    jsonb_build_object('email', v_user.email, 'name', v_user.name, 'role', v_user.role));
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'role', v_user.role);
end $$;

create or replace function set_user_role(p_user_id uuid, p_role text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_from text;
begin
  select * into v_user from users where id = p_user_id for update;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  if p_user_id = p_actor_id and p_role <> v_user.role then
    perform raise_app_error('forbidden', 'You cannot change your own role.');
  end if;
  if v_user.role = 'admin' and p_role <> 'admin' then
    perform assert_admin_remains(p_user_id);
  end if;
  v_from := v_user.role;
  update users set role = p_role where id = p_user_id returning * into v_user;
  if v_user.role is distinct from v_from then
    perform append_audit('user.role_changed', user_actor(p_actor_id), jsonb_build_object('user_id', v_user.id),
      jsonb_build_object('email', v_user.email, 'from', v_from, 'to', v_user.role));
  end if;
  return jsonb_build_object('id', v_user.id, 'role', v_user.role);
end $$;

create or replace function set_user_disabled(p_user_id uuid, p_disabled boolean, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_ended int := 0;
begin
  select * into v_user from users where id = p_user_id for update;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  if p_user_id = p_actor_id then
    perform raise_app_error('forbidden', 'You cannot disable your own account.');
  end if;
  if p_disabled and v_user.role = 'admin' then
    perform assert_admin_remains(p_user_id);
  end if;
  update users set disabled_at = case when p_disabled then coalesce(disabled_at, now()) end where id = p_user_id;
  if p_disabled then
    delete from sessions where user_id = p_user_id;
    get diagnostics v_ended = row_count;
  end if;
  if (v_user.disabled_at is not null) is distinct from p_disabled then
    perform append_audit(case when p_disabled then 'user.disabled' else 'user.enabled' end, user_actor(p_actor_id),
      jsonb_build_object('user_id', p_user_id), jsonb_build_object('email', v_user.email, 'sessions_ended', v_ended));
  end if;
  return jsonb_build_object('id', p_user_id, 'disabled', p_disabled);
end $$;

drop function end_user_sessions(uuid);
create or replace function end_user_sessions(p_user_id uuid, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_count int;
begin
  select * into v_user from users where id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  delete from sessions where user_id = p_user_id;
  get diagnostics v_count = row_count;
  perform append_audit('user.sessions_ended', user_actor(p_actor_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('email', v_user.email, 'sessions_ended', v_count));
  return jsonb_build_object('ended', v_count);
end $$;

drop function set_user_password(uuid, text);
create or replace function set_user_password(p_user_id uuid, p_password_hash text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_ended int;
begin
  update users set password_hash = p_password_hash where id = p_user_id returning * into v_user;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  delete from sessions where user_id = p_user_id;
  get diagnostics v_ended = row_count;
  perform append_audit('user.password_reset', user_actor(p_actor_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('email', v_user.email, 'own', p_user_id = p_actor_id, 'sessions_ended', v_ended));
  return jsonb_build_object('id', p_user_id);
end $$;

-- ---------------------------------------------------------------------------
-- Agents, tasks and workspaces: as in 20261125000700..0900, audited.
-- ---------------------------------------------------------------------------

create or replace function create_agent(p_workspace_id uuid, p_fields jsonb, p_token_hash text, p_token_hint text, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if exists (select 1 from agents where workspace_id = p_workspace_id and lower(name) = lower(btrim(p_fields->>'name'))) then
    perform raise_app_error('conflict', 'An agent with that name already exists in this workspace.',
      jsonb_build_object('fields', jsonb_build_object('name', 'Already used in this workspace')));
  end if;
  insert into agents (workspace_id, name, role, emoji, model, openclaw_agent_id, status,
                      api_token_hash, api_token_hint, api_token_created_at)
  values (p_workspace_id, btrim(p_fields->>'name'), coalesce(p_fields->>'role', ''),
          coalesce(nullif(p_fields->>'emoji', ''), '🤖'), coalesce(p_fields->>'model', ''),
          nullif(p_fields->>'openclaw_agent_id', ''), coalesce(p_fields->>'status', 'standby'),
          p_token_hash, p_token_hint, case when p_token_hash is null then null else now() end)
  returning * into v_agent;
  perform append_audit('agent.created', p_actor, jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'openclaw_agent_id', v_agent.openclaw_agent_id, 'autonomy_level', v_agent.autonomy_level,
                       'token_issued', p_token_hash is not null, 'token_hint', p_token_hint));
  perform emit_event('agent.created', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name));
  return agent_json(v_agent);
end $$;

create or replace function rotate_agent_token(p_agent_id uuid, p_token_hash text, p_token_hint text, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
  v_had_token boolean;
begin
  select api_token_hash is not null into v_had_token from agents where id = p_agent_id for update;
  update agents set api_token_hash = p_token_hash, api_token_hint = p_token_hint, api_token_created_at = now()
  where id = p_agent_id returning * into v_agent;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  perform append_audit(case when v_had_token then 'agent.token_rotated' else 'agent.token_issued' end, p_actor,
    jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'token_hint', p_token_hint));
  perform emit_event('agent.updated', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name, 'token_rotated', true));
  return agent_json(v_agent);
end $$;

create or replace function delete_agent(p_agent_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
  v_active int;
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  select count(*) into v_active from tasks where assigned_agent_id = p_agent_id and status in ('assigned', 'in_progress');
  if v_active > 0 then
    perform raise_app_error('conflict',
      format('%s has %s assigned or running task(s). Reassign them first.', v_agent.name, v_active),
      jsonb_build_object('active_tasks', v_active));
  end if;
  delete from agents where id = p_agent_id;
  perform append_audit('agent.deleted', p_actor, jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'openclaw_agent_id', v_agent.openclaw_agent_id));
  perform emit_event('agent.deleted', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name));
  return jsonb_build_object('id', p_agent_id, 'deleted', true);
end $$;

-- Deleting a task also drops its requests from the inbox: the row says how many were pending.
create or replace function delete_task(p_task_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_pending int;
begin
  select count(*) into v_pending from approvals where task_id = p_task_id and status = 'pending';
  delete from tasks where id = p_task_id returning * into v_task;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  perform append_audit('task.deleted', p_actor, jsonb_build_object('task_id', v_task.id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'task_type_id', v_task.task_type_id, 'pending_approvals', v_pending));
  perform emit_event('task.deleted', v_task.workspace_id, v_task.id, null, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  return jsonb_build_object('id', v_task.id, 'deleted', true);
end $$;

create or replace function delete_workspace(p_workspace_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_ws workspaces;
  v_tasks int;
  v_agents int;
begin
  select * into v_ws from workspaces where id = p_workspace_id for update;
  if not found then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  select count(*) into v_tasks from tasks where workspace_id = p_workspace_id;
  select count(*) into v_agents from agents where workspace_id = p_workspace_id;
  if v_tasks > 0 or v_agents > 0 then
    perform raise_app_error('conflict',
      format('This workspace still has %s task(s) and %s agent(s). Delete or move them first.', v_tasks, v_agents),
      jsonb_build_object('tasks', v_tasks, 'agents', v_agents));
  end if;
  delete from workspaces where id = p_workspace_id;
  perform append_audit('workspace.deleted', p_actor, jsonb_build_object('workspace_id', p_workspace_id),
    jsonb_build_object('name', v_ws.name, 'slug', v_ws.slug));
  perform emit_event('workspace.deleted', p_workspace_id, null, null, p_actor, '{}'::jsonb);
  return jsonb_build_object('id', p_workspace_id, 'deleted', true);
end $$;
