-- Append-only, hash-chained audit log: each row stores the hash of the
-- previous row and its own hash over (previous hash, seq, time, kind, actor,
-- subject, data). Editing or deleting any row breaks every hash after it,
-- which `npm run audit:verify` and the admin page detect.

create table audit_log (
  seq bigserial primary key,
  at timestamptz not null default clock_timestamp(),
  kind text not null check (kind ~ '^[a-z_]+\.[a-z_]+$'),
  actor jsonb not null,
  subject jsonb not null default '{}'::jsonb,
  data jsonb not null default '{}'::jsonb,
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
);

create or replace function audit_row_hash(p_prev text, p_seq bigint, p_at timestamptz, p_kind text, p_actor jsonb, p_subject jsonb, p_data jsonb)
returns text language sql immutable as $$
  select encode(sha256(convert_to(
    p_prev || '|' || p_seq::text || '|' || to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|' || p_kind || '|' ||
    p_actor::text || '|' || p_subject::text || '|' || p_data::text, 'UTF8')), 'hex')
$$;

-- Serialised by a transaction lock so the chain has no forks.
create or replace function append_audit(p_kind text, p_actor jsonb, p_subject jsonb, p_data jsonb) returns bigint
language plpgsql as $$
declare
  v_prev text;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
begin
  perform pg_advisory_xact_lock(hashtext('mc.audit'));
  select hash into v_prev from audit_log order by seq desc limit 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_seq := nextval(pg_get_serial_sequence('audit_log', 'seq'));
  insert into audit_log (seq, at, kind, actor, subject, data, prev_hash, hash)
  values (v_seq, v_at, p_kind, coalesce(p_actor, '{}'::jsonb), coalesce(p_subject, '{}'::jsonb), coalesce(p_data, '{}'::jsonb), v_prev,
          audit_row_hash(v_prev, v_seq, v_at, p_kind, coalesce(p_actor, '{}'::jsonb), coalesce(p_subject, '{}'::jsonb), coalesce(p_data, '{}'::jsonb)));
  return v_seq;
end $$;

create or replace function prevent_audit_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'the audit log is append-only' using errcode = 'P0001', hint = 'forbidden';
end $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function prevent_audit_rewrite();

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

create or replace function list_audit_log(p_before bigint, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('seq', seq, 'at', at, 'kind', kind, 'actor', actor, 'subject', subject, 'data', data,
                                               'prev_hash', prev_hash, 'hash', hash) order by seq desc), '[]'::jsonb)
  from (select * from audit_log where p_before is null or seq < p_before order by seq desc limit least(greatest(p_limit, 1), 5000)) a
$$;

-- What is audited, inside the same transaction as the change itself.

create or replace function audit_approval_decision() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status and new.status in ('approved', 'denied', 'expired') then
    perform append_audit('approval.' || new.status,
      case when new.decided_by is not null then jsonb_build_object('type', 'user', 'id', new.decided_by)
           else jsonb_build_object('type', 'system', 'name', coalesce(new.decided_by_policy, 'system')) end,
      jsonb_build_object('approval_id', new.id, 'task_id', new.task_id),
      jsonb_build_object('action', new.action, 'digest', new.digest, 'comment', new.comment));
  end if;
  return new;
end $$;
create trigger approvals_audit after update of status on approvals
  for each row execute function audit_approval_decision();

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
create trigger tasks_audit after update of status on tasks
  for each row execute function audit_task_change();

create or replace function audit_agent_change() returns trigger
language plpgsql as $$
begin
  if new.autonomy_level is distinct from old.autonomy_level then
    perform append_audit('agent.autonomy_changed', coalesce(current_setting('mc.actor', true), '{"type":"system"}')::jsonb,
      jsonb_build_object('agent_id', new.id), jsonb_build_object('from', old.autonomy_level, 'to', new.autonomy_level));
  end if;
  return new;
end $$;
create trigger agents_audit after update of autonomy_level on agents
  for each row execute function audit_agent_change();

-- Manual status overrides by operators are audited where they happen.
create or replace function audit_manual_move() returns trigger
language plpgsql as $$
begin
  if new.type = 'status_changed' and new.actor_type = 'user' then
    perform append_audit('task.status_override', jsonb_build_object('type', 'user', 'id', new.actor_id, 'name', new.actor_name),
      jsonb_build_object('task_id', new.task_id), new.metadata);
  end if;
  return new;
end $$;
create trigger task_activities_audit after insert on task_activities
  for each row execute function audit_manual_move();
