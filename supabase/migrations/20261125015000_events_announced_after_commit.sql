-- Events are announced after the write commits, not inside it (decision 002,
-- measured by `npm run bench`).
--
-- emit_event used to pg_notify in the writer's transaction. PostgreSQL
-- serialises every transaction that has notified: it takes one database-wide
-- lock before commit and holds it through the commit's WAL flush. So every
-- event-emitting write, however unrelated, committed one at a time. Now the
-- app process that made the write wakes its own event bus when the call
-- returns, and tells other instances with a NOTIFY of its own, sent from a
-- transaction that writes nothing else and need not wait for the disk. A
-- writer outside the app (psql, a script) sends `notify mc_events` itself,
-- or its events reach streams at the bus's next safety poll.
create or replace function emit_event(
  p_type text, p_workspace_id uuid, p_task_id uuid, p_agent_id uuid,
  p_actor jsonb, p_payload jsonb default '{}'::jsonb
) returns bigint
language plpgsql as $$
declare
  v_seq bigint;
begin
  perform pg_current_xact_id();
  insert into events (type, workspace_id, task_id, agent_id, actor_type, actor_id, actor_name, payload)
  values (p_type, p_workspace_id, p_task_id, p_agent_id,
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''),
          coalesce(p_payload, '{}'::jsonb))
  returning seq into v_seq;
  return v_seq;
end $$;

-- The app's functions that cannot write (stable or immutable): a call to any
-- other one may have emitted events, so the bus looks for new ones after it.
create or replace function list_read_functions() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(p.proname order by p.proname), '[]'::jsonb)
  from (select distinct proname from pg_proc
        where pronamespace = current_schema()::regnamespace and prokind = 'f' and provolatile <> 'v') p
$$;
