-- Completion and the testing stage. Completion arrives three ways (gateway
-- run result, agent API, signed webhook); whichever is first moves the task
-- on, the rest change nothing. The testing stage checks deliverables outside
-- the heartbeat's lock, each task claimed first (docs/decisions/016).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

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
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid,
          coalesce(p_actor->>'name', case p_source when 'agent_api' then 'agent API' when 'webhook' then 'completion webhook' else p_source end));
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
    jsonb_build_object('title', v_task.title, 'status', 'assigned', 'from_status', 'in_progress', 'changed', '["status","alert_reason"]'::jsonb,
                       'alert_reason', 'run_failed', 'reason', left(p_reason, 500)));
  return jsonb_build_object('changed', true);
end $$;

-- Something happened on a task's agent session (the gateway's agent or chat
-- events: text, a tool call, a result, the run's end): one session.updated
-- event, so the task page reads the transcript again. The gateway sends many
-- events a turn; the caller sends at most one a second per session (decision
-- 036). A session that is no task's changes nothing.
create or replace function note_session_activity(p_session_key text)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where session_key = p_session_key and deleted_at is null order by updated_at desc limit 1;
  if not found then
    return jsonb_build_object('task_id', null);
  end if;
  perform emit_event('session.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"gateway"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'session_key', p_session_key));
  return jsonb_build_object('task_id', v_task.id);
end $$;

-- The signed webhook's effect in one transaction. A delivery is known by its
-- signed id (when the sender signed one) and always by its content: the
-- SHA-256 of the body's canonical JSON, with the task's current run. Either
-- seen before answers {duplicate: true} and changes nothing, so a replay, a
-- retry with a new timestamp or a new id, or a copy without an id completes
-- nothing and records no usage a second time. An unknown task is not_found
-- (before the delivery is recorded, so the route needs no lookup first); a
-- done or cancelled one is a conflict (nothing recorded).
create or replace function apply_completion_webhook(p_delivery_id text, p_content_sha256 text, p_task_id uuid, p_summary text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_result jsonb;
  v_task tasks;
  v_content text;
  v_key text;
begin
  if p_content_sha256 is null or p_content_sha256 !~ '^[0-9a-f]{64}$' then
    perform raise_app_error('invalid', 'A completion needs the SHA-256 of its content.');
  end if;
  select * into v_task from tasks where id = p_task_id for update;
  if not found then
    perform raise_app_error('not_found', 'No task with that id.');
  end if;
  v_content := encode(sha256(convert_to(p_content_sha256 || ':' || coalesce(v_task.current_run_id, ''), 'UTF8')), 'hex');
  v_key := coalesce(p_delivery_id, 'content:' || v_content);
  insert into webhook_deliveries (delivery_id, content_key, task_id) values (v_key, v_content, p_task_id) on conflict do nothing;
  if not found then
    return jsonb_build_object('duplicate', true);
  end if;
  perform refuse_closed_task_write(v_task, 'completion reports');
  v_result := complete_task(p_task_id, 'webhook', p_summary, null,
    jsonb_build_object('type', 'agent', 'id', v_task.assigned_agent_id, 'name', 'completion webhook'));
  if p_usage is not null then
    v_result := v_result || jsonb_build_object('usage', record_usage(p_task_id, 'webhook', v_key, v_task.current_run_id, p_usage));
  end if;
  update webhook_deliveries set result = v_result where delivery_id = v_key;
  return v_result;
end $$;

-- Claims up to p_limit tasks in testing that no live claim holds, oldest in
-- testing first, with their deliverables in the order they were added.
-- SKIP LOCKED keeps concurrent claimers apart while they run; a claimer whose
-- snapshot predates another's commit still cannot take a live claim, because
-- the upsert replaces only a lapsed one.
create or replace function claim_testing_tasks(p_holder text, p_limit int, p_lease_seconds int) returns jsonb
language plpgsql as $$
declare
  v_rows jsonb;
begin
  if coalesce(p_holder, '') = '' then
    perform raise_app_error('invalid', 'A claim holder is required.');
  end if;
  with picked as (
    select t.id, t.status_changed_at
    from tasks t
    where t.status = 'testing' and t.deleted_at is null
      and not exists (select 1 from testing_claims c where c.task_id = t.id and c.expires_at > now())
    order by t.status_changed_at, t.id
    limit greatest(coalesce(p_limit, 0), 0)
    for update of t skip locked
  ), claimed as (
    insert into testing_claims as c (task_id, holder, testing_since, expires_at)
    select p.id, p_holder, p.status_changed_at, now() + make_interval(secs => least(greatest(coalesce(p_lease_seconds, 60), 1), 86400))
    from picked p
    on conflict (task_id) do update set holder = excluded.holder, testing_since = excluded.testing_since, expires_at = excluded.expires_at
      where c.expires_at <= now()
    returning c.task_id
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'deliverables',
           (select coalesce(jsonb_agg(jsonb_build_object('id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url)
                                      order by d.created_at, d.id), '[]'::jsonb)
            from task_deliverables d where d.task_id = p.id),
           'url_allowlist', (select to_jsonb(w.url_allowlist) from tasks t join workspaces w on w.id = t.workspace_id where t.id = p.id))
         order by p.status_changed_at, p.id), '[]'::jsonb)
  into v_rows
  from picked p join claimed k on k.task_id = p.id;
  return v_rows;
end $$;

-- Gives a claim back unchecked (the run ran out of time or is shutting down):
-- the next run takes the task from the start.
create or replace function release_testing_claim(p_task_id uuid, p_holder text) returns jsonb
language plpgsql as $$
begin
  delete from testing_claims where task_id = p_task_id and holder = p_holder;
  return jsonb_build_object('released', found);
end $$;

-- The testing stage's verdict, applied only by the claim's holder and only to
-- the stay in testing it checked: pass → review; fail → back to assigned with
-- each reason logged (the rework loop); nothing checkable → review with an
-- alert; partial (what was checked passed, some deliverables were not
-- checked: over the per-task cap or out of time) → review with an alert.
create or replace function finish_testing(p_task_id uuid, p_verdict text, p_results jsonb, p_holder text) returns jsonb
language plpgsql as $$
declare
  v_claim testing_claims;
  v_task tasks;
  v_to text;
  r jsonb;
begin
  if p_verdict is null or p_verdict not in ('pass', 'fail', 'none_checkable', 'partial') then
    perform raise_app_error('invalid', 'The verdict must be pass, fail, none_checkable or partial.');
  end if;
  delete from testing_claims where task_id = p_task_id and holder = p_holder returning * into v_claim;
  if not found then
    return jsonb_build_object('id', p_task_id, 'changed', false);
  end if;
  select * into v_task from tasks where id = p_task_id and status = 'testing' and status_changed_at = v_claim.testing_since for update;
  if not found then
    return jsonb_build_object('id', p_task_id, 'changed', false);
  end if;
  v_to := case p_verdict when 'fail' then 'assigned' else 'review' end;
  update tasks set status = v_to,
                   alert_reason = case p_verdict when 'none_checkable' then 'no_checkable_deliverable'
                                                 when 'partial' then 'deliverables_unchecked'
                                                 when 'fail' then 'checks_failed' else null end,
                   next_dispatch_at = case when p_verdict = 'fail' then now() else next_dispatch_at end
  where id = p_task_id returning * into v_task;
  for r in select * from jsonb_array_elements(coalesce(p_results, '[]'::jsonb)) loop
    if (r->>'ok')::boolean is false then
      insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
      values (p_task_id, 'check_failed', coalesce(r->>'message', r->>'reason'), r, 'system', 'testing');
    end if;
  end loop;
  insert into task_activities (task_id, type, message, metadata, actor_type, actor_name)
  values (p_task_id, 'checks_' || p_verdict,
          case p_verdict when 'pass' then 'All deliverable checks passed.'
                         when 'fail' then 'Deliverable checks failed; sent back for rework: '
                                          || coalesce((select string_agg(r2->>'message', ' ' order by ord)
                                                       from jsonb_array_elements(coalesce(p_results, '[]'::jsonb)) with ordinality as x(r2, ord)
                                                       where (r2->>'ok')::boolean is false), 'see the failed checks.')
                         when 'partial' then 'The deliverables that were checked passed; some were not checked automatically and need a human review.'
                         else 'No deliverable could be checked automatically; needs a human review.' end,
          jsonb_build_object('results', coalesce(p_results, '[]'::jsonb)), 'system', 'testing');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"testing"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', v_to, 'from_status', 'testing', 'changed', '["status"]'::jsonb, 'verdict', p_verdict));
  return jsonb_build_object('id', p_task_id, 'changed', true, 'status', v_to);
end $$;
