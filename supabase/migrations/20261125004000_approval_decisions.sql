-- Deciding approvals. The digest the approver saw must still be the
-- approval's digest (approving one action never approves a changed one); only
-- approvers and admins decide; nobody decides their own request; the first
-- decision wins and a racing second gets a conflict.

alter table approvals add column requested_by_user_id uuid references users (id) on delete set null;

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

-- The approvals inbox: pending first (soonest to expire), then recent decisions.
create or replace function list_approvals(p_status text, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(approval_json(a) || jsonb_build_object(
           'task', jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status, 'estimated_cost', t.estimated_cost,
                                      'token_usage', t.token_usage),
           'workspace', jsonb_build_object('slug', w.slug, 'name', w.name, 'icon', w.icon),
           'requester', coalesce(ag.name, u.name, 'unknown'),
           'requester_type', case when a.requested_by_agent_id is not null then 'agent' else 'user' end)
         order by case when a.status = 'pending' then a.expires_at end asc nulls last, a.decided_at desc nulls last), '[]'::jsonb)
  from (select * from approvals
        where (p_status is null or status = p_status)
        order by case when status = 'pending' then 0 else 1 end, coalesce(decided_at, created_at) desc
        limit least(greatest(p_limit, 1), 200)) a
  join tasks t on t.id = a.task_id
  join workspaces w on w.id = t.workspace_id
  left join agents ag on ag.id = a.requested_by_agent_id
  left join users u on u.id = a.requested_by_user_id
$$;

create or replace function count_pending_approvals() returns jsonb
language sql stable as $$
  select jsonb_build_object('pending', count(*)::int) from approvals where status = 'pending' and expires_at > now()
$$;

-- "Needs you": tasks a human must look at in one workspace — an open approval,
-- or an alert the system cannot clear by itself.
create or replace function get_needs_you(p_workspace_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_card_json(t, ag) || jsonb_build_object('pending_approvals', coalesce(p.n, 0))
                            order by t.priority_rank, t.updated_at desc), '[]'::jsonb)
  from (
    select t0.* from tasks t0
    where t0.workspace_id = p_workspace_id
      and (t0.alert_reason in ('dispatch_failed', 'stalled', 'checks_failed', 'no_checkable_deliverable', 'run_failed', 'lease_expired')
           or exists (select 1 from approvals ap where ap.task_id = t0.id and ap.status = 'pending' and ap.expires_at > now()))
    order by t0.priority_rank, t0.updated_at desc
    limit least(greatest(p_limit, 1), 100)
  ) t
  left join agents ag on ag.id = t.assigned_agent_id
  left join lateral (select count(*)::int as n from approvals ap where ap.task_id = t.id and ap.status = 'pending' and ap.expires_at > now()) p on true
$$;
