-- Completion arrives three ways (gateway run result, agent API, signed
-- webhook); whichever is first moves the task on, the rest change nothing.

-- Records one usage report. Idempotent per (source, dedupe key); keeps the
-- task's token_usage and estimated_cost in step in the same transaction.
create or replace function record_usage(p_task_id uuid, p_source text, p_dedupe_key text, p_run_id text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
  v_tokens bigint;
  v_cost numeric;
begin
  select * into v_task from tasks where id = p_task_id;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  v_cost := (p_usage->>'cost_usd')::numeric;
  insert into usage_records (task_id, agent_id, workspace_id, session_key, run_id, source, dedupe_key, model,
                             input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
  values (p_task_id, v_task.assigned_agent_id, v_task.workspace_id, v_task.session_key, p_run_id, p_source, p_dedupe_key,
          coalesce(p_usage->>'model', ''), coalesce((p_usage->>'input_tokens')::bigint, 0),
          coalesce((p_usage->>'output_tokens')::bigint, 0), coalesce((p_usage->>'cache_read_tokens')::bigint, 0),
          coalesce((p_usage->>'cache_write_tokens')::bigint, 0), v_cost)
  on conflict (source, dedupe_key) where dedupe_key is not null do nothing
  returning id into v_id;
  if v_id is null then
    return jsonb_build_object('recorded', false, 'duplicate', true);
  end if;
  v_tokens := coalesce((p_usage->>'input_tokens')::bigint, 0) + coalesce((p_usage->>'output_tokens')::bigint, 0)
            + coalesce((p_usage->>'cache_read_tokens')::bigint, 0) + coalesce((p_usage->>'cache_write_tokens')::bigint, 0);
  update tasks set token_usage = token_usage + v_tokens, estimated_cost = estimated_cost + coalesce(v_cost, 0)
  where id = p_task_id;
  perform emit_event('usage.recorded', v_task.workspace_id, v_task.id, v_task.assigned_agent_id,
    jsonb_build_object('type', case when p_source = 'gateway' then 'system' else 'agent' end, 'name', p_source),
    jsonb_build_object('usage_id', v_id, 'source', p_source, 'tokens', v_tokens, 'cost_usd', v_cost, 'model', p_usage->>'model'));
  return jsonb_build_object('recorded', true, 'id', v_id, 'tokens', v_tokens);
end $$;

-- Whether any report already covers a run (the gateway's own usage is pulled
-- only when the agent reported none).
create or replace function run_has_usage(p_run_id text) returns jsonb
language sql stable as $$
  select jsonb_build_object('has_usage', exists (select 1 from usage_records where run_id = p_run_id))
$$;

-- Moves an in-progress (or just-dispatched) task to testing, or review when it
-- has no test step. Returns changed=false when someone else already did.
create or replace function complete_task(p_task_id uuid, p_source text, p_summary text, p_run_id text, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_to text;
  v_freed int;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  if v_task.status not in ('in_progress', 'assigned')
     or (p_run_id is not null and v_task.current_run_id is not null and v_task.current_run_id <> p_run_id) then
    return jsonb_build_object('id', v_task.id, 'changed', false, 'status', v_task.status);
  end if;
  v_to := case when v_task.test_step then 'testing' else 'review' end;
  if v_task.status = 'assigned' then
    update tasks set status = 'in_progress' where id = p_task_id;
  end if;
  update tasks set status = v_to, completed_at = now(), lease_expires_at = null, claimed_until = null,
                   stall_flagged_at = null, last_activity_at = now(),
                   alert_reason = case when alert_reason in ('stalled', 'lease_expired') then null else alert_reason end
  where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_id, actor_name)
  values (p_task_id, 'completed', coalesce(nullif(left(p_summary, 10000), ''), 'Work reported complete'),
          jsonb_build_object('source', p_source, 'run_id', p_run_id),
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', p_source));
  -- The agent is free again unless it still runs another task.
  update agents set status = 'standby'
  where id = v_task.assigned_agent_id and status = 'working'
    and not exists (select 1 from tasks where assigned_agent_id = v_task.assigned_agent_id and status = 'in_progress');
  get diagnostics v_freed = row_count;
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', v_to, 'from_status', 'in_progress', 'changed', '["status"]'::jsonb, 'source', p_source));
  if v_freed > 0 then
    perform emit_event('agent.updated', v_task.workspace_id, null, v_task.assigned_agent_id, p_actor, jsonb_build_object('status', 'standby'));
  end if;
  return jsonb_build_object('id', v_task.id, 'changed', true, 'status', v_to);
end $$;

-- The signed webhook's effect in one transaction: the delivery id is recorded
-- with the completion and the usage, so a replay answers {duplicate: true}.
create or replace function apply_completion_webhook(p_delivery_id text, p_task_id uuid, p_summary text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_result jsonb;
  v_task tasks;
begin
  if p_delivery_id is not null then
    insert into webhook_deliveries (delivery_id, task_id) values (p_delivery_id, p_task_id) on conflict do nothing;
    if not found then
      return jsonb_build_object('duplicate', true);
    end if;
  end if;
  select * into v_task from tasks where id = p_task_id;
  v_result := complete_task(p_task_id, 'webhook', p_summary, null,
    jsonb_build_object('type', 'agent', 'id', v_task.assigned_agent_id, 'name', 'completion webhook'));
  if p_usage is not null then
    v_result := v_result || jsonb_build_object('usage', record_usage(p_task_id, 'webhook',
      coalesce(p_delivery_id, v_task.current_run_id), v_task.current_run_id, p_usage));
  end if;
  if p_delivery_id is not null then
    update webhook_deliveries set result = v_result where delivery_id = p_delivery_id;
  end if;
  return v_result;
end $$;

create or replace function find_task_by_session(p_session_key text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'status', status, 'current_run_id', current_run_id, 'workspace_id', workspace_id)
  from tasks where session_key = p_session_key
$$;

-- A failed run: back to assigned for another dispatch, with the reason.
create or replace function record_run_failure(p_task_id uuid, p_run_id text, p_reason text)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id for update;
  if not found or v_task.status <> 'in_progress' or v_task.current_run_id is distinct from p_run_id then
    return jsonb_build_object('changed', false);
  end if;
  update tasks set status = 'assigned', alert_reason = 'run_failed', lease_expires_at = null, next_dispatch_at = now() + interval '1 minute'
  where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
  values (p_task_id, 'run_failed', format('The agent run failed: %s', left(p_reason, 500)), jsonb_build_object('run_id', p_run_id), 'system', 'gateway');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"gateway"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', 'assigned', 'from_status', 'in_progress', 'changed', '["status","alert_reason"]'::jsonb));
  return jsonb_build_object('changed', true);
end $$;
