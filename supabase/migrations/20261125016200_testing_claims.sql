-- The testing stage renders untrusted pages, which can take as long as its
-- time budget allows, so it runs outside the heartbeat's lock. Each task's
-- check is claimed first: a claim names its holder (one heartbeat run), the
-- moment the task entered testing (a task that left testing and came back is
-- a new check) and when the claim lapses (a holder that died lets another run
-- take the task over). Two runs never check the same task at once.
create table if not exists testing_claims (
  task_id uuid primary key references tasks (id) on delete cascade,
  holder text not null,
  testing_since timestamptz not null,
  expires_at timestamptz not null
);
alter table testing_claims enable row level security;

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
    where t.status = 'testing'
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
            from task_deliverables d where d.task_id = p.id)) order by p.status_changed_at, p.id), '[]'::jsonb)
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
drop function if exists finish_testing(uuid, text, jsonb);
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
                         when 'fail' then 'Deliverable checks failed; sent back for rework.'
                         when 'partial' then 'The deliverables that were checked passed; some were not checked automatically and need a human review.'
                         else 'No deliverable could be checked automatically; needs a human review.' end,
          jsonb_build_object('results', coalesce(p_results, '[]'::jsonb)), 'system', 'testing');
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"testing"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', v_to, 'from_status', 'testing', 'changed', '["status"]'::jsonb, 'verdict', p_verdict));
  return jsonb_build_object('id', p_task_id, 'changed', true, 'status', v_to);
end $$;

-- Replaced by claim_testing_tasks: listing without claiming let two runs check one task.
drop function if exists list_testing_tasks(int);
