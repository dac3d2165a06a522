-- The audit log: a hash chain of security-relevant actions, appended inside
-- the transaction of the change itself, each with the person who did it.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function audit_row_hash(p_prev text, p_seq bigint, p_at timestamptz, p_kind text, p_actor jsonb, p_subject jsonb, p_data jsonb)
returns text language sql immutable as $$
  select encode(sha256(convert_to(
    p_prev || '|' || p_seq::text || '|' || to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' || p_kind || '|' ||
    p_actor::text || '|' || p_subject::text || '|' || p_data::text, 'UTF8')), 'hex')
$$;

-- Appends one entry to the chain; the actor is named by audit_actor.
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

create or replace function prevent_audit_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'the audit log is append-only' using errcode = 'P0001', hint = 'forbidden';
end $$;

-- Walks the chain; returns the first broken row, if any.
create or replace function verify_audit_log() returns jsonb
language plpgsql stable as $$
declare
  r audit_log;
  v_prev text := repeat('0', 64);
  v_count bigint := 0;
begin
  for r in select * from audit_log order by seq loop
    if r.prev_hash <> v_prev or r.hash <> audit_row_hash(r.prev_hash, r.seq, r.at, r.kind, r.actor, r.subject, r.data) then
      return jsonb_build_object('ok', false, 'rows', v_count, 'broken_at', r.seq,
        'reason', case when r.prev_hash <> v_prev then 'chain_broken' else 'row_altered' end);
    end if;
    v_prev := r.hash;
    v_count := v_count + 1;
  end loop;
  return jsonb_build_object('ok', true, 'rows', v_count, 'head', v_prev);
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

-- An approval's decision (approved, denied, expired or cancelled) is audited.
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

create or replace function audit_task_change() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status then
    if old.status = 'assigned' and new.status = 'in_progress' and new.current_run_id is distinct from old.current_run_id then
      perform append_audit('task.dispatched', '{"type":"system","name":"dispatcher"}'::jsonb,
        jsonb_build_object('task_id', new.id, 'agent_id', new.assigned_agent_id),
        jsonb_build_object('run_id', new.current_run_id, 'session_key', new.session_key));
    end if;
  end if;
  return new;
end $$;

-- An agent's autonomy change is audited with the workspace, the agent's name
-- and whether it was lowered. An empty mc.actor (set earlier on a pooled connection, then
-- reset at commit) is no actor, not invalid JSON.
create or replace function audit_agent_change() returns trigger
language plpgsql as $$
begin
  if new.autonomy_level is distinct from old.autonomy_level then
    perform append_audit('agent.autonomy_changed', coalesce(nullif(current_setting('mc.actor', true), ''), '{"type":"system"}')::jsonb,
      jsonb_build_object('agent_id', new.id, 'workspace_id', new.workspace_id),
      jsonb_build_object('name', new.name, 'from', old.autonomy_level, 'to', new.autonomy_level,
                         'lowered', autonomy_rank(new.autonomy_level) > autonomy_rank(old.autonomy_level)));
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

-- A user actor carries their name and email as they are now; other actors pass unchanged.
create or replace function audit_actor(p_actor jsonb) returns jsonb
language sql stable as $$
  select case when u.id is not null then coalesce(p_actor, '{}'::jsonb) || jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email)
              else coalesce(p_actor, '{}'::jsonb) end
  from (select 1) one
  left join users u on p_actor->>'type' = 'user' and u.id::text = p_actor->>'id'
$$;

-- Which workspace an entry concerns: the one its subject names, else the one
-- its task, agent or pipeline belongs to (display and filtering only).
create or replace function audit_entry_workspace(p_subject jsonb) returns uuid
language sql stable as $$
  select coalesce(
    case when p_subject->>'workspace_id' ~ '^[0-9a-f-]{36}$' then (p_subject->>'workspace_id')::uuid end,
    (select t.workspace_id from tasks t where p_subject->>'task_id' ~ '^[0-9a-f-]{36}$' and t.id = (p_subject->>'task_id')::uuid),
    (select a.workspace_id from agents a where p_subject->>'agent_id' ~ '^[0-9a-f-]{36}$' and a.id = (p_subject->>'agent_id')::uuid),
    (select p.workspace_id from pipelines p where p_subject->>'pipeline_id' ~ '^[0-9a-f-]{36}$' and p.id = (p_subject->>'pipeline_id')::uuid))
$$;

-- Who acted, as a filter key: "user:<id>", "agent:<id>", "system:<name>" or "anonymous".
create or replace function audit_actor_key(p_actor jsonb) returns text
language sql immutable as $$
  select case p_actor->>'type'
           when 'user' then 'user:' || coalesce(p_actor->>'id', '')
           when 'agent' then 'agent:' || coalesce(p_actor->>'id', '')
           when 'anonymous' then 'anonymous'
           else 'system:' || coalesce(p_actor->>'name', '') end
$$;

-- The audit log as the page reads it: newest first, before seq p_before,
-- filtered by p_filters (actor key, action — a kind, or an area such as
-- "task" for every task.* kind —, workspace id, from/to calendar days in
-- p_time_zone, and text found in the kind, the actor, the details or the
-- current name of the task or agent concerned), with
-- the names of who acted and of what the entry concerns as they are now (the
-- stored rows and their hashes stay as written). next_before is set when
-- older entries match too.
create or replace function search_audit_log(p_filters jsonb, p_before bigint, p_limit int, p_time_zone text default 'UTC')
returns jsonb language sql stable as $$
  with f as (
    select nullif(p_filters->>'actor', '') as actor, nullif(p_filters->>'action', '') as action,
           nullif(p_filters->>'workspace_id', '')::uuid as workspace_id,
           (nullif(p_filters->>'from', '')::date)::timestamp at time zone coalesce(p_time_zone, 'UTC') as from_at,
           ((nullif(p_filters->>'to', '')::date) + 1)::timestamp at time zone coalesce(p_time_zone, 'UTC') as to_at,
           nullif(btrim(p_filters->>'q'), '') as q,
           least(greatest(coalesce(p_limit, 50), 1), 5000) as n
  ), hits as (
    select a.*, audit_entry_workspace(a.subject) as ws_id
    from audit_log a, f
    where (p_before is null or a.seq < p_before)
      and (f.actor is null or audit_actor_key(a.actor) = f.actor)
      and (f.action is null or a.kind = f.action or a.kind like f.action || '.%')
      and (f.from_at is null or a.at >= f.from_at)
      and (f.to_at is null or a.at < f.to_at)
      and (f.workspace_id is null or audit_entry_workspace(a.subject) = f.workspace_id)
      and (f.q is null or strpos(lower(a.kind || ' ' || a.actor::text || ' ' || a.subject::text || ' ' || a.data::text), lower(f.q)) > 0
           or exists (select 1 from users u where a.actor->>'type' = 'user' and u.id::text = a.actor->>'id' and strpos(lower(u.name), lower(f.q)) > 0)
           or exists (select 1 from agents g where a.actor->>'type' = 'agent' and g.id::text = a.actor->>'id' and strpos(lower(g.name), lower(f.q)) > 0)
           or exists (select 1 from tasks t where t.id::text = a.subject->>'task_id' and strpos(lower(t.title), lower(f.q)) > 0)
           or exists (select 1 from agents g where g.id::text = a.subject->>'agent_id' and strpos(lower(g.name), lower(f.q)) > 0))
    order by a.seq desc
    limit (select n + 1 from f)
  ), page as (
    select * from hits order by seq desc limit (select n from f)
  )
  select jsonb_build_object(
    'entries', coalesce((select jsonb_agg(jsonb_build_object(
        'seq', p.seq, 'at', p.at, 'kind', p.kind, 'actor', p.actor, 'subject', p.subject, 'data', p.data,
        'prev_hash', p.prev_hash, 'hash', p.hash,
        'actor_name', coalesce(u.name, g.name, p.actor->>'name', p.actor->>'email', p.actor->>'type'),
        'refs', jsonb_strip_nulls(jsonb_build_object(
          'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from workspaces w where w.id = p.ws_id),
          'actor_agent', case when g.id is not null then jsonb_build_object('id', g.id, 'name', g.name) end,
          'task', (select jsonb_build_object('id', t.id, 'title', t.title) from tasks t
                    where p.subject->>'task_id' ~ '^[0-9a-f-]{36}$' and t.id = (p.subject->>'task_id')::uuid),
          'agent', (select jsonb_build_object('id', x.id, 'name', x.name) from agents x
                     where p.subject->>'agent_id' ~ '^[0-9a-f-]{36}$' and x.id = (p.subject->>'agent_id')::uuid),
          'pipeline', (select jsonb_build_object('id', pl.id, 'name', pl.name) from pipelines pl
                        where p.subject->>'pipeline_id' ~ '^[0-9a-f-]{36}$' and pl.id = (p.subject->>'pipeline_id')::uuid),
          'user', (select jsonb_build_object('id', su.id, 'name', su.name) from users su
                    where p.subject->>'user_id' ~ '^[0-9a-f-]{36}$' and su.id = (p.subject->>'user_id')::uuid))))
      order by p.seq desc)
      from page p
      left join users u on p.actor->>'type' = 'user' and u.id::text = p.actor->>'id'
      left join agents g on p.actor->>'type' = 'agent' and g.id::text = p.actor->>'id'), '[]'::jsonb),
    'next_before', case when (select count(*) from hits) > (select n from f) then (select min(seq) from page) end)
$$;

-- The choices the audit filters offer: every action and every actor in the log, and the workspaces.
create or replace function audit_log_facets() returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'kinds', coalesce((select jsonb_agg(kind order by kind) from (select distinct kind from audit_log) k), '[]'::jsonb),
    'actors', coalesce((select jsonb_agg(jsonb_build_object('key', x.key, 'type', x.type, 'name', x.name) order by x.type, x.name, x.key)
                        from (select distinct on (audit_actor_key(a.actor)) audit_actor_key(a.actor) as key, a.actor->>'type' as type,
                                     coalesce(u.name, g.name, a.actor->>'name', a.actor->>'type') as name
                              from audit_log a
                              left join users u on a.actor->>'type' = 'user' and u.id::text = a.actor->>'id'
                              left join agents g on a.actor->>'type' = 'agent' and g.id::text = a.actor->>'id'
                              order by audit_actor_key(a.actor), a.seq desc) x), '[]'::jsonb),
    'workspaces', coalesce((select jsonb_agg(jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) order by w.name) from workspaces w), '[]'::jsonb))
$$;
