-- The agent API: identity always comes from the token (p_agent_id is the
-- authenticated agent), and an agent sees and touches only its own tasks.
-- Another agent's task answers not_found, so ids are not probed.

create or replace function agent_owned_task(p_agent_id uuid, p_task_id uuid) returns tasks
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and assigned_agent_id = p_agent_id;
  if not found then
    perform raise_app_error('not_found', 'No task with that id is assigned to you.');
  end if;
  return v_task;
end $$;

create or replace function agent_list_tasks(p_agent_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority, 'due_at', t.due_at,
    'updated_at', t.updated_at, 'session_key', t.session_key) order by t.priority_rank, t.created_at), '[]'::jsonb)
  from tasks t
  where t.assigned_agent_id = p_agent_id and t.status not in ('done', 'cancelled')
$$;

create or replace function agent_get_task(p_agent_id uuid, p_task_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return jsonb_build_object(
    'id', v_task.id, 'title', v_task.title, 'description', v_task.description, 'status', v_task.status,
    'priority', v_task.priority, 'due_at', v_task.due_at, 'planning_spec', v_task.planning_spec,
    'session_key', v_task.session_key, 'run_id', v_task.current_run_id, 'lease_expires_at', v_task.lease_expires_at,
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from workspaces w where w.id = v_task.workspace_id),
    'allowed_statuses', case v_task.status when 'assigned' then '["in_progress"]'::jsonb
                                            when 'in_progress' then '["testing","review"]'::jsonb else '[]'::jsonb end,
    'deliverables', (select coalesce(jsonb_agg(jsonb_build_object('id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url)
                       order by d.created_at), '[]'::jsonb) from task_deliverables d where d.task_id = v_task.id),
    'recent_activities', (select coalesce(jsonb_agg(jsonb_build_object('type', x.type, 'message', x.message, 'actor', x.actor_name, 'created_at', x.created_at)
                            order by x.created_at), '[]'::jsonb)
                          from (select * from task_activities where task_id = v_task.id order by created_at desc limit 20) x));
end $$;

create or replace function agent_actor(p_agent_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('type', 'agent', 'id', id, 'name', name) from agents where id = p_agent_id
$$;

-- Any sign of life from the agent also clears a stall alert.
create or replace function touch_task_activity(p_task_id uuid) returns void
language sql as $$
  update tasks set last_activity_at = now(), stall_flagged_at = null,
                   alert_reason = case when alert_reason = 'stalled' then null else alert_reason end
  where id = p_task_id;
$$;

create or replace function agent_add_activity(p_agent_id uuid, p_task_id uuid, p_type text, p_message text, p_metadata jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  v_id := log_task_activity(p_task_id, p_type, p_message, p_metadata, agent_actor(p_agent_id));
  perform touch_task_activity(p_task_id);
  return jsonb_build_object('id', v_id, 'task_id', p_task_id);
end $$;

create or replace function agent_add_deliverable(p_agent_id uuid, p_task_id uuid, p_fields jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_d task_deliverables;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  insert into task_deliverables (task_id, type, title, path, url, description, created_by_agent_id)
  values (p_task_id, p_fields->>'type', btrim(p_fields->>'title'), p_fields->>'path', p_fields->>'url',
          coalesce(p_fields->>'description', ''), p_agent_id)
  returning * into v_d;
  perform touch_task_activity(p_task_id);
  perform emit_event('deliverable.created', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
    jsonb_build_object('deliverable_id', v_d.id, 'type', v_d.type, 'title', v_d.title));
  return jsonb_build_object('id', v_d.id, 'type', v_d.type, 'title', v_d.title, 'path', v_d.path, 'url', v_d.url);
end $$;

-- The moves an agent may make itself: start its assigned task, or report it
-- done (the same effect as the webhook: testing, or review without a test step).
create or replace function agent_set_status(p_agent_id uuid, p_task_id uuid, p_status text, p_summary text)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  if v_task.status = 'assigned' and p_status = 'in_progress' then
    update tasks set status = 'in_progress', last_activity_at = now(), dispatched_at = coalesce(dispatched_at, now())
    where id = p_task_id returning * into v_task;
    perform log_task_activity(p_task_id, 'status_changed', 'Moved from assigned to in_progress', jsonb_build_object('from', 'assigned', 'to', 'in_progress'), agent_actor(p_agent_id));
    perform emit_event('task.updated', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
      jsonb_build_object('title', v_task.title, 'status', 'in_progress', 'from_status', 'assigned', 'changed', '["status"]'::jsonb));
    return jsonb_build_object('id', v_task.id, 'changed', true, 'status', 'in_progress');
  end if;
  if p_status in ('testing', 'review') and v_task.status in ('in_progress', 'testing', 'review') then
    return complete_task(p_task_id, 'agent_api', p_summary, null, agent_actor(p_agent_id));
  end if;
  perform raise_app_error('conflict', format('An agent cannot move its task from %s to %s.', v_task.status, p_status),
    jsonb_build_object('from', v_task.status, 'to', p_status,
      'allowed', case v_task.status when 'assigned' then '["in_progress"]'::jsonb when 'in_progress' then '["testing","review"]'::jsonb else '[]'::jsonb end));
end $$;

create or replace function agent_record_usage(p_agent_id uuid, p_task_id uuid, p_dedupe_key text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return record_usage(p_task_id, 'agent_api', coalesce(p_dedupe_key, v_task.current_run_id), v_task.current_run_id, p_usage);
end $$;

create or replace function approval_json(a approvals) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', a.id, 'task_id', a.task_id, 'action', a.action, 'args', a.args, 'target', a.target,
    'reason', a.reason, 'digest', a.digest, 'status', a.status, 'expires_at', a.expires_at, 'created_at', a.created_at,
    'decided_at', a.decided_at, 'comment', a.comment,
    'by', case when a.decided_by_policy is not null then a.decided_by_policy
               when a.decided_by is not null then 'operator' end)
$$;

-- Stores an agent's request. A pending request for the same digest is
-- returned instead of a twin, so a retried call does not queue twice.
create or replace function agent_request_approval(p_agent_id uuid, p_task_id uuid, p_action text, p_args jsonb, p_target text,
                                                  p_reason text, p_digest text, p_ttl_seconds int)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_a approvals;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  select * into v_a from approvals
  where task_id = p_task_id and digest = p_digest and status = 'pending' and expires_at > now();
  if found then
    return approval_json(v_a) || jsonb_build_object('existing', true);
  end if;
  insert into approvals (task_id, requested_by_agent_id, action, args, target, reason, digest, expires_at)
  values (p_task_id, p_agent_id, p_action, coalesce(p_args, '{}'::jsonb), coalesce(p_target, ''), coalesce(p_reason, ''), p_digest,
          now() + make_interval(secs => p_ttl_seconds))
  returning * into v_a;
  perform touch_task_activity(p_task_id);
  perform log_task_activity(p_task_id, 'approval_requested', format('Asked for approval: %s', p_action),
    jsonb_build_object('approval_id', v_a.id), agent_actor(p_agent_id));
  perform emit_event('approval.requested', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
    jsonb_build_object('approval_id', v_a.id, 'action', p_action, 'title', v_task.title));
  return approval_json(v_a) || jsonb_build_object('existing', false);
end $$;

create or replace function agent_get_approval(p_agent_id uuid, p_approval_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_a approvals;
begin
  select a.* into v_a from approvals a join tasks t on t.id = a.task_id
  where a.id = p_approval_id and (a.requested_by_agent_id = p_agent_id or t.assigned_agent_id = p_agent_id);
  if not found then
    perform raise_app_error('not_found', 'No approval with that id belongs to you.');
  end if;
  -- An expired request reads as expired even before the heartbeat records it.
  if v_a.status = 'pending' and v_a.expires_at <= now() then
    v_a.status := 'expired';
  end if;
  return approval_json(v_a);
end $$;
