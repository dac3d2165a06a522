-- Standing grants: "approve and allow this action for this task". An approver
-- who approves a low-risk request may also let the same action (by name, any
-- arguments) run on the same task without asking again. A grant is honoured
-- only while the task's type is still low risk, can be revoked, and both its
-- creation and revocation are audited. It never crosses tasks.

create table standing_grants (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  action text not null check (char_length(action) between 1 and 200),
  approval_id uuid references approvals (id) on delete set null,
  granted_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by uuid references users (id) on delete set null
);
create unique index standing_grants_live_idx on standing_grants (task_id, action) where revoked_at is null;
alter table standing_grants enable row level security;

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
create trigger approvals_grant_backed before insert on approvals
  for each row execute function check_grant_backed();

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

-- System actions honour grants too: a granted dispatch needs no new request on rework.
create or replace function dispatch_allowed(p_task tasks) returns boolean
language sql stable as $$
  select not dispatch_gated_type(p_task)
      or (task_gate(p_task.id, 'dispatch')->>'gate') = 'allow'
      or has_standing_grant(p_task.id, 'task.dispatch')
      or exists (select 1 from approvals ap where ap.task_id = p_task.id and ap.action = 'task.dispatch'
                 and ap.created_at >= p_task.status_changed_at and ap.status = 'approved')
$$;

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
    where t.status = 'assigned' and a.openclaw_agent_id is not null and a.status <> 'offline'
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

create or replace function enforce_done_gate() returns trigger
language plpgsql as $$
declare
  v_gate jsonb;
  v_a approvals;
begin
  if old.status = 'review' and new.status = 'done' then
    v_gate := task_gate(new.id, 'review_done');
    if v_gate->>'gate' <> 'allow' and not has_standing_grant(new.id, 'task.review_done') then
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

-- The inbox shows the risk and task type, and whether a standing grant may be given.
create or replace function list_approvals(p_status text, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(approval_json(a) || jsonb_build_object(
           'task', jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status, 'estimated_cost', t.estimated_cost,
                                      'token_usage', t.token_usage),
           'workspace', jsonb_build_object('slug', w.slug, 'name', w.name, 'icon', w.icon),
           'requester', coalesce(ag.name, u.name, 'unknown'),
           'requester_type', case when a.requested_by_agent_id is not null then 'agent' else 'user' end,
           'requested_by_user_id', a.requested_by_user_id,
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
$$;
