-- The agent write path in one round trip each (measured by `npm run bench`).

-- The completion webhook in one call: an unknown task is refused (not_found)
-- before the delivery id is recorded, so the route needs no lookup first
-- (get_task_ref, its only use, goes).
drop function if exists get_task_ref(uuid);

create or replace function apply_completion_webhook(p_delivery_id text, p_task_id uuid, p_summary text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_result jsonb;
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id;
  if not found then
    perform raise_app_error('not_found', 'No task with that id.');
  end if;
  if p_delivery_id is not null then
    insert into webhook_deliveries (delivery_id, task_id) values (p_delivery_id, p_task_id) on conflict do nothing;
    if not found then
      return jsonb_build_object('duplicate', true);
    end if;
  end if;
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
