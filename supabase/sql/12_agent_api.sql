-- The agent API: what an agent may read and write about its own tasks, with
-- its bearer token or a task-scoped one, each write one round trip
-- (measured by `npm run bench`). No write on a done or cancelled task.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- An agent's long-lived token, or a live task token (scoped to its task and
-- only while that task is still assigned to the same agent).
create or replace function authenticate_agent(p_token_hash text) returns jsonb
language sql stable as $$
  select coalesce(
    (select agent_json(a) || jsonb_build_object('scope_task_id', null) from agents a where a.api_token_hash = p_token_hash),
    (select agent_json(a) || jsonb_build_object('scope_task_id', k.task_id)
       from task_tokens k join agents a on a.id = k.agent_id join tasks t on t.id = k.task_id
      where k.token_hash = p_token_hash and k.expires_at > now() and t.assigned_agent_id = k.agent_id and t.deleted_at is null))
$$;

create or replace function agent_owned_task(p_agent_id uuid, p_task_id uuid) returns tasks
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and assigned_agent_id = p_agent_id and deleted_at is null;
  if not found then
    perform raise_app_error('not_found', 'No task with that id is assigned to you.');
  end if;
  return v_task;
end $$;

create or replace function agent_list_tasks(p_agent_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority, 'due_at', t.due_at,
    'updated_at', t.updated_at, 'session_key', t.session_key, 'labels', to_jsonb(t.labels)) order by t.priority_rank, t.created_at), '[]'::jsonb)
  from tasks t
  where t.assigned_agent_id = p_agent_id and t.status not in ('done', 'cancelled') and t.deleted_at is null
$$;

create or replace function agent_get_task(p_agent_id uuid, p_task_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return jsonb_build_object(
    'id', v_task.id, 'title', v_task.title, 'description', v_task.description, 'status', v_task.status,
    'priority', v_task.priority, 'due_at', v_task.due_at, 'labels', to_jsonb(v_task.labels), 'planning_spec', v_task.planning_spec,
    'session_key', v_task.session_key, 'run_id', v_task.current_run_id, 'lease_expires_at', v_task.lease_expires_at,
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from workspaces w where w.id = v_task.workspace_id),
    'allowed_statuses', case v_task.status when 'assigned' then '["in_progress"]'::jsonb
                                            when 'in_progress' then '["testing","review"]'::jsonb else '[]'::jsonb end,
    'deliverables', (select coalesce(jsonb_agg(jsonb_build_object('id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url)
                       order by d.created_at), '[]'::jsonb) from task_deliverables d where d.task_id = v_task.id),
    'recent_activities', (select coalesce(jsonb_agg(jsonb_build_object('type', x.type, 'message', x.message, 'actor', x.actor_name, 'created_at', x.created_at)
                            order by x.created_at), '[]'::jsonb)
                          from (select * from task_activities where task_id = v_task.id order by created_at desc limit 20) x),
    'links', get_task_links(v_task.id));
end $$;

create or replace function agent_actor(p_agent_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('type', 'agent', 'id', id, 'name', name) from agents where id = p_agent_id
$$;

-- An activity marks the task alive for the stall check, which counts in
-- minutes: a task touched within the last second is left as it is unless a
-- stall flag has to be cleared. Bursts of activities on one task then update
-- its row (and every index on it) once a second, not once per activity.
create or replace function touch_task_activity(p_task_id uuid) returns void
language sql as $$
  update tasks set last_activity_at = now(), stall_flagged_at = null,
                   alert_reason = case when alert_reason = 'stalled' then null else alert_reason end
  where id = p_task_id
    and (last_activity_at is null or last_activity_at < now() - interval '1 second'
         or stall_flagged_at is not null or alert_reason = 'stalled');
$$;

create or replace function agent_add_activity(p_agent_id uuid, p_task_id uuid, p_type text, p_message text, p_metadata jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_closed_task_write(v_task, 'activities');
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
  -- Locked, so a deliverable cannot slip in while the task moves to review.
  v_task := agent_owned_task(p_agent_id, p_task_id);
  select * into v_task from tasks where id = v_task.id for update;
  perform refuse_frozen_deliverables(v_task, 'deliverables');
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
  perform refuse_closed_task_write(v_task, 'status changes');
  if v_task.status = 'assigned' and p_status = 'in_progress' then
    update tasks set status = 'in_progress', last_activity_at = now(), dispatched_at = coalesce(dispatched_at, now())
    where id = p_task_id returning * into v_task;
    perform log_task_activity(p_task_id, 'status_changed', 'Moved from Assigned to In progress', jsonb_build_object('from', 'assigned', 'to', 'in_progress'), agent_actor(p_agent_id));
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

-- An agent asks to act. The agent says only what it wants (action, args,
-- target, reason, the digest of exactly that); the task's policy decides, the
-- same way every other gate decides (task_gate, which also reads a standing
-- grant for this action): allowed at once (recorded as approved by policy, for the
-- audit), pending with a veto window (hotl), or pending for an approver
-- (hitl). A pending request for the same digest is returned instead of a
-- twin. Nothing is asked of a done or cancelled task.
create or replace function agent_request_action(p_agent_id uuid, p_task_id uuid, p_action text, p_args jsonb, p_target text,
                                                p_reason text, p_digest text, p_ttl_seconds int)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_a approvals;
  v_gate jsonb;
  v_mode text;
  v_policy text;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_closed_task_write(v_task, 'action requests');
  select * into v_a from approvals
  where task_id = p_task_id and digest = p_digest and status = 'pending' and expires_at > now();
  if found then
    return approval_json(v_a) || jsonb_build_object('existing', true, 'veto_until', v_a.veto_until);
  end if;
  v_gate := task_gate(p_task_id, 'agent_action', p_action);
  v_mode := case v_gate->>'gate' when 'allow' then 'policy' else v_gate->>'gate' end;
  v_policy := case when v_mode = 'policy' then v_gate->>'by' end;
  insert into approvals (task_id, requested_by_agent_id, action, args, target, reason, digest, expires_at, mode, veto_until,
                         status, decided_by_policy, decided_at)
  values (p_task_id, p_agent_id, p_action, coalesce(p_args, '{}'::jsonb), coalesce(p_target, ''), coalesce(p_reason, ''), p_digest,
          now() + make_interval(secs => p_ttl_seconds), v_mode,
          case when v_mode = 'hotl' then now() + make_interval(mins => (v_gate->>'veto_minutes')::int) end,
          case when v_mode = 'policy' then 'approved' else 'pending' end,
          v_policy,
          case when v_mode = 'policy' then now() end)
  returning * into v_a;
  perform touch_task_activity(p_task_id);
  if v_mode = 'policy' then
    perform append_audit('approval.approved', jsonb_build_object('type', 'system', 'name', 'policy:' || v_policy),
      jsonb_build_object('approval_id', v_a.id, 'task_id', p_task_id), jsonb_build_object('action', p_action, 'digest', p_digest));
    perform log_task_activity(p_task_id, 'approval_auto', format('%s allowed by policy (%s)', p_action, v_policy),
      jsonb_build_object('approval_id', v_a.id), agent_actor(p_agent_id));
  else
    perform log_task_activity(p_task_id, 'approval_requested',
      case when v_mode = 'hotl' then format('Will %s unless vetoed within %s min', p_action, v_gate->>'veto_minutes')
           else format('Asked for approval: %s', p_action) end,
      jsonb_build_object('approval_id', v_a.id, 'mode', v_mode), agent_actor(p_agent_id));
    perform emit_event('approval.requested', v_task.workspace_id, v_task.id, p_agent_id, agent_actor(p_agent_id),
      jsonb_build_object('approval_id', v_a.id, 'action', p_action, 'title', v_task.title, 'mode', v_mode));
  end if;
  return approval_json(v_a) || jsonb_build_object('existing', false, 'veto_until', v_a.veto_until, 'level', v_gate->>'level');
end $$;

-- An agent's progress report with its token checked in the same call: the
-- token must be valid (else unauthorized), a task-scoped token must be for
-- this task, and the task must be the agent's (else not_found).
create or replace function agent_add_activity_with_token(p_token_hash text, p_task_id uuid, p_type text, p_message text, p_metadata jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent jsonb := authenticate_agent(p_token_hash);
begin
  if v_agent is null then
    perform raise_app_error('unauthorized', 'That token is not valid (revoked, expired, or never issued).');
  end if;
  if v_agent->>'scope_task_id' is not null and (v_agent->>'scope_task_id')::uuid <> p_task_id then
    perform raise_app_error('not_found', 'No task with that id is assigned to you.');
  end if;
  return agent_add_activity((v_agent->>'id')::uuid, p_task_id, p_type, p_message, p_metadata);
end $$;

-- A done or cancelled task takes nothing more from its agent (activities,
-- deliverables, files, usage reports, status changes, completion reports).
-- The gateway's own measurement of a run is not the agent's word and is
-- still recorded (record_usage).
create or replace function refuse_closed_task_write(p_task tasks, p_writes text) returns void
language plpgsql as $$
begin
  if p_task.status in ('done', 'cancelled') then
    perform raise_app_error('conflict', format('The task is %s: it takes no more %s from its agent.', p_task.status, p_writes),
      jsonb_build_object('status', p_task.status));
  end if;
end $$;

-- What was approved is what ships: from review on, a task's deliverables are
-- what the reviewer sees (and what a review → done approval covers), so its
-- agent can no longer add to them; an operator sending the task back for
-- rework opens them again.
create or replace function refuse_frozen_deliverables(p_task tasks, p_writes text) returns void
language plpgsql as $$
begin
  perform refuse_closed_task_write(p_task, p_writes);
  if p_task.status = 'review' then
    perform raise_app_error('conflict',
      format('The task is in review: its deliverables are what the reviewer sees and what an approval ships, so it takes no more %s. An operator can send it back for rework.', p_writes),
      jsonb_build_object('status', p_task.status));
  end if;
end $$;

-- Files become deliverables, so they follow the deliverables' rule. Asked
-- before an upload is read and again once it is stored.
create or replace function agent_check_file_upload(p_agent_id uuid, p_task_id uuid) returns jsonb
language plpgsql stable as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  perform refuse_frozen_deliverables(v_task, 'files');
  return jsonb_build_object('task_id', v_task.id, 'status', v_task.status);
end $$;

-- The agent says its task waits on another task of the workspace (decision 044): the same rules as the task page's form.
create or replace function agent_add_dependency(p_agent_id uuid, p_task_id uuid, p_blocked_by_id uuid) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return add_task_dependency(v_task.id, p_blocked_by_id, agent_actor(p_agent_id));
end $$;

-- The agent splits its task: a new task in the inbox of its workspace, a subtask of this one.
create or replace function agent_create_subtask(p_agent_id uuid, p_task_id uuid, p_fields jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return create_task(v_task.workspace_id,
    jsonb_build_object('title', p_fields->>'title', 'description', coalesce(p_fields->>'description', ''),
                       'priority', coalesce(p_fields->>'priority', 'normal'), 'status', 'inbox', 'parent_id', v_task.id),
    agent_actor(p_agent_id));
end $$;
