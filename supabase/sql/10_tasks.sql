-- Tasks: the state machine's guard, activities, create, read (card, detail,
-- board, "needs you"), edit and delete.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function enforce_task_transition() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status then
    if not exists (select 1 from task_transitions where from_status = old.status and to_status = new.status) then
      perform raise_app_error('conflict',
        format('A task cannot move from %s to %s.', old.status, new.status),
        jsonb_build_object('from', old.status, 'to', new.status, 'allowed',
          (select coalesce(jsonb_agg(to_status order by to_status), '[]'::jsonb)
             from task_transitions where from_status = old.status)));
    end if;
    new.status_changed_at := now();
  end if;
  return new;
end $$;

create or replace function task_card_json(t tasks, a agents) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority,
    'due_at', t.due_at, 'alert_reason', t.alert_reason, 'created_at', t.created_at,
    'updated_at', t.updated_at, 'status_changed_at', t.status_changed_at,
    'token_usage', t.token_usage, 'estimated_cost', t.estimated_cost, 'cost_provenance', t.cost_provenance,
    'assignee', case when a.id is null then null
                     else jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji, 'status', a.status) end,
    'pipeline', task_pipeline_json(t))
$$;

-- One workspace's board: counts for every status and the first cards of each
-- column. p_limits maps a status to how many cards to send (default 50, done 20).
create or replace function get_board(p_workspace_id uuid, p_limits jsonb default '{}'::jsonb) returns jsonb
language sql stable as $$
  with statuses(status, ord) as (
    values ('planning', 1), ('inbox', 2), ('assigned', 3), ('in_progress', 4), ('testing', 5),
           ('review', 6), ('done', 7), ('cancelled', 8)
  ),
  counts as (
    select status, count(*)::int as n from tasks where workspace_id = p_workspace_id and deleted_at is null group by status
  )
  select jsonb_build_object(
    'counts', (select coalesce(jsonb_object_agg(s.status, coalesce(c.n, 0)), '{}'::jsonb)
               from statuses s left join counts c using (status)),
    'columns', (select jsonb_object_agg(s.status, coalesce(cards.list, '[]'::jsonb))
                from statuses s
                left join lateral (
                  select jsonb_agg(task_card_json(t, a) order by
                           case when s.status in ('done', 'cancelled') then 0 else t.priority_rank end,
                           t.updated_at desc, t.id) as list
                  from (
                    select * from tasks t0
                    where t0.workspace_id = p_workspace_id and t0.status = s.status and t0.deleted_at is null
                    order by case when t0.status in ('done', 'cancelled') then 0 else t0.priority_rank end,
                             t0.updated_at desc, t0.id
                    limit greatest(0, least(1000, coalesce((p_limits->>s.status)::int,
                                   case when s.status in ('done', 'cancelled') then 20 else 50 end)))
                  ) t
                  left join agents a on a.id = t.assigned_agent_id
                ) cards on true)
  )
$$;

-- The task page also shows dispatch state, planning and usage per run.
create or replace function get_task_by_id(p_task_id uuid) returns jsonb
language sql stable as $$
  select task_card_json(t, a) || jsonb_build_object(
    'workspace_id', t.workspace_id, 'description', t.description,
    'workspace', jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name, 'icon', w.icon),
    'allowed_statuses', (select coalesce(jsonb_agg(to_status order by to_status), '[]'::jsonb)
                         from task_transitions where from_status = t.status),
    'assignee_openclaw_id', a.openclaw_agent_id,
    'planning_spec', t.planning_spec, 'session_key', t.session_key, 'run_id', t.current_run_id,
    'dispatch_attempts', t.dispatch_attempts, 'last_dispatch_error', t.last_dispatch_error,
    'next_dispatch_at', t.next_dispatch_at, 'lease_expires_at', t.lease_expires_at, 'dispatched_at', t.dispatched_at,
    'test_step', t.test_step,
    'activities', (select coalesce(jsonb_agg(jsonb_build_object(
                      'id', x.id, 'type', x.type, 'message', x.message, 'metadata', x.metadata,
                      'actor_type', x.actor_type, 'actor_name', x.actor_name, 'created_at', x.created_at)
                    order by x.created_at desc, x.id), '[]'::jsonb)
                   from (select * from task_activities where task_id = t.id order by created_at desc limit 200) x),
    'deliverables', (select coalesce(jsonb_agg(jsonb_build_object(
                        'id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url,
                        'description', d.description, 'created_at', d.created_at)
                      order by d.created_at desc, d.id), '[]'::jsonb)
                     from task_deliverables d where d.task_id = t.id),
    'usage', (select coalesce(jsonb_agg(jsonb_build_object(
                 'source', u.source, 'run_id', u.run_id, 'model', u.model, 'input_tokens', u.input_tokens,
                 'output_tokens', u.output_tokens, 'cache_read_tokens', u.cache_read_tokens,
                 'cache_write_tokens', u.cache_write_tokens, 'cost_usd', u.cost_usd, 'provenance', u.provenance,
                 'price_version', u.price_version, 'created_at', u.created_at) order by u.created_at), '[]'::jsonb)
              from usage_records u where u.task_id = t.id),
    'usage_runs', (select coalesce(jsonb_agg(r order by r->>'first_at'), '[]'::jsonb) from (
                     select jsonb_build_object(
                       'run_id', u.run_id, 'records', count(*), 'first_at', min(u.created_at),
                       'models', jsonb_agg(distinct u.model) filter (where u.model <> ''),
                       'input_tokens', sum(u.input_tokens), 'output_tokens', sum(u.output_tokens),
                       'cache_read_tokens', sum(u.cache_read_tokens), 'cache_write_tokens', sum(u.cache_write_tokens),
                       'cost_usd', sum(u.cost_usd),
                       'provenance', (array_agg(u.provenance order by provenance_rank(u.provenance) desc))[1],
                       'price_versions', jsonb_agg(distinct u.price_version) filter (where u.price_version is not null)) as r
                     from usage_records u where u.task_id = t.id group by u.run_id) runs),
    'budget', budget_status('task', t.id),
    'approvals', (select coalesce(jsonb_agg(approval_json(ap) order by ap.created_at desc), '[]'::jsonb)
                  from approvals ap where ap.task_id = t.id))
  from tasks t
  join workspaces w on w.id = t.workspace_id
  left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id and t.deleted_at is null
$$;

create or replace function log_task_activity(p_task_id uuid, p_type text, p_message text, p_metadata jsonb, p_actor jsonb)
returns uuid language plpgsql as $$
declare
  v_id uuid;
  v_ws uuid;
begin
  select workspace_id into v_ws from tasks where id = p_task_id;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, p_type, p_message, coalesce(p_metadata, '{}'::jsonb),
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''))
  returning id into v_id;
  perform emit_event('activity.created', v_ws, p_task_id, null, p_actor,
    jsonb_build_object('activity_id', v_id, 'type', p_type, 'message', left(p_message, 500)));
  return v_id;
end $$;

create or replace function check_assignee(p_workspace_id uuid, p_agent_id uuid) returns void
language plpgsql as $$
begin
  if p_agent_id is not null and not exists (select 1 from agents where id = p_agent_id and workspace_id = p_workspace_id) then
    perform raise_app_error('invalid', 'That agent is not part of this workspace.',
      jsonb_build_object('fields', jsonb_build_object('assigned_agent_id', 'Unknown agent')));
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

-- Edits a task; a change of its type or agent goes through the governance guard.
create or replace function update_task(p_task_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old tasks;
  v_new tasks;
  v_changed jsonb;
  v_governance jsonb;
begin
  select * into v_old from tasks where id = p_task_id and deleted_at is null for update;
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
    values (p_task_id, 'status_changed', format('Moved from %s to %s', status_label(v_old.status), status_label(v_new.status)),
            jsonb_build_object('from', v_old.status, 'to', v_new.status),
            coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  end if;
  if v_changed - 'status' <> '{}'::jsonb then
    insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
    values (p_task_id, 'updated', 'Updated ' || (select string_agg(task_field_label(k), ', ' order by k)
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

-- Deleting a task hides it everywhere (board, task page, agent API, dispatch,
-- heartbeat, approvals) for an undo window, then purge_deleted_tasks removes
-- it for good. Its usage stays in the ledger and keeps counting toward spend.
-- The row says how many requests it takes out of the inbox.
create or replace function delete_task(p_task_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_pending int;
begin
  update tasks set deleted_at = now()
  where id = p_task_id and deleted_at is null returning * into v_task;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  select count(*) into v_pending from approvals where task_id = p_task_id and status = 'pending';
  perform append_audit('task.deleted', p_actor, jsonb_build_object('task_id', v_task.id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('title', v_task.title, 'status', v_task.status, 'task_type_id', v_task.task_type_id, 'pending_approvals', v_pending));
  perform emit_event('task.deleted', v_task.workspace_id, v_task.id, null, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  return jsonb_build_object('id', v_task.id, 'deleted', true, 'deleted_at', v_task.deleted_at);
end $$;

-- The undo of a delete: the task comes back exactly as it was (nothing was
-- removed), as long as the purge has not run yet.
create or replace function restore_task(p_task_id uuid, p_workspace_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  update tasks set deleted_at = null
  where id = p_task_id and workspace_id = p_workspace_id and deleted_at is not null returning * into v_task;
  if not found then
    if exists (select 1 from tasks where id = p_task_id and workspace_id = p_workspace_id) then
      perform raise_app_error('conflict', 'This task is not deleted.');
    end if;
    perform raise_app_error('not_found', 'This task can no longer be restored: its undo window has passed.');
  end if;
  perform append_audit('task.restored', p_actor, jsonb_build_object('task_id', v_task.id, 'workspace_id', v_task.workspace_id),
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  perform emit_event('task.restored', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_task.status));
  return jsonb_build_object('id', v_task.id, 'title', v_task.title, 'status', v_task.status);
end $$;

-- The end of the undo window: deleted tasks older than it go for good, with
-- their activity and deliverables; usage records keep their spend (task_id
-- becomes null). The deletion itself was audited when it happened.
create or replace function purge_deleted_tasks(p_older_than_s int, p_limit int default 100) returns int
language plpgsql as $$
declare
  v_n int;
begin
  with gone as (
    delete from tasks where id in (
      select id from tasks
      where deleted_at is not null and deleted_at < now() - make_interval(secs => greatest(p_older_than_s, 0))
      order by deleted_at limit greatest(p_limit, 1)
    ) returning 1
  )
  select count(*)::int into v_n from gone;
  return v_n;
end $$;

create or replace function find_task_by_session(p_session_key text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'status', status, 'current_run_id', current_run_id, 'workspace_id', workspace_id)
  from tasks where session_key = p_session_key and deleted_at is null
$$;

-- A task refused for its budget needs a human (raise the budget, retry).
create or replace function get_needs_you(p_workspace_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_card_json(t, ag) || jsonb_build_object('pending_approvals', coalesce(p.n, 0))
                            order by t.priority_rank, t.updated_at desc), '[]'::jsonb)
  from (
    select t0.* from tasks t0
    where t0.workspace_id = p_workspace_id and t0.deleted_at is null
      and t0.id in (select t1.id from tasks t1
                    where t1.workspace_id = p_workspace_id and t1.alert_reason is not null
                      and t1.alert_reason in ('dispatch_failed', 'stalled', 'checks_failed', 'no_checkable_deliverable', 'run_failed', 'lease_expired', 'budget_exceeded')
                    union
                    select ap.task_id from approvals ap where ap.status = 'pending' and ap.expires_at > now())
    order by t0.priority_rank, t0.updated_at desc
    limit least(greatest(p_limit, 1), 100)
  ) t
  left join agents ag on ag.id = t.assigned_agent_id
  left join lateral (select count(*)::int as n from approvals ap where ap.task_id = t.id and ap.status = 'pending' and ap.expires_at > now()) p on true
$$;
