-- Events: the append-only log the live updates, the SSE replay and the
-- workspace feed read. Writers call emit_event; readers take only settled
-- events (get_settled_events), so a stream never skips one.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- Events are append-only (bound in 17_triggers.sql).
create or replace function prevent_event_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'events are append-only' using errcode = 'P0001', hint = 'forbidden';
end $$;

-- Appends an event. No lock and no NOTIFY here, both measured by
-- `npm run bench` (docs/decisions/002):
-- - Writers take seqs freely, so seq order is not commit order; the reader
--   waits out holes instead (get_settled_events). The writer makes sure its
--   transaction has an id before it takes a seq, so a seq still in flight
--   always belongs to a transaction that already exists.
-- - A NOTIFY in the writer's transaction would serialise every notifying
--   commit behind one database-wide lock held through the WAL flush. The app
--   process that made the write wakes its own event bus when the call
--   returns, and tells other instances with a NOTIFY of its own, sent from a
--   transaction that writes nothing else. A writer outside the app (psql, a
--   script) sends `notify mc_events` itself, or its events reach streams at
--   the bus's next safety poll.
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

-- Names come from the live rows, falling back to the payload for deleted ones.
create or replace function event_json(e events, p_task_title text, p_agent_name text, p_workspace_slug text) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'seq', e.seq, 'type', e.type, 'workspace_id', e.workspace_id, 'workspace_slug', p_workspace_slug,
    'task_id', e.task_id,
    'task_title', coalesce(p_task_title, case when e.type like 'task.%' then e.payload->>'title' end),
    'agent_id', e.agent_id,
    'agent_name', coalesce(p_agent_name, case when e.type like 'agent.%' then e.payload->>'name' end),
    'actor', jsonb_build_object('type', e.actor_type, 'id', e.actor_id, 'name', e.actor_name),
    'payload', e.payload, 'created_at', e.created_at)
$$;

-- Events after seq p_since, oldest first, with the names a client needs to
-- render them.
create or replace function get_events_with_details(p_since bigint, p_limit int default 500) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(event_json(e, t.title, a.name, w.slug)
                            order by e.seq), '[]'::jsonb)
  from (select * from events where seq > p_since order by seq limit least(greatest(p_limit, 1), 5000)) e
  left join tasks t on t.id = e.task_id
  left join agents a on a.id = e.agent_id
  left join workspaces w on w.id = e.workspace_id
$$;

create or replace function get_event_bounds() returns jsonb
language sql stable as $$
  select jsonb_build_object('min_seq', coalesce(min(seq), 0), 'max_seq', coalesce(max(seq), 0)) from events
$$;

-- A workspace's recent events, newest first; p_kind narrows to 'task' or 'agent'
-- events; p_before pages backwards by seq.
create or replace function get_workspace_feed(p_workspace_id uuid, p_kind text, p_before bigint, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(event_json(e, t.title, a.name, null)
                            order by e.seq desc), '[]'::jsonb)
  from (
    select * from events
    where workspace_id = p_workspace_id
      and (p_before is null or seq < p_before)
      and (p_kind is null
           or (p_kind = 'task' and (type like 'task.%' or type like 'activity.%' or type like 'deliverable.%'))
           or (p_kind = 'agent' and type like 'agent.%'))
      -- A move is told by its task.updated event; the status_changed activity
      -- logged beside it would list the same move twice.
      and not (type = 'activity.created' and payload->>'type' = 'status_changed')
    order by seq desc
    limit least(greatest(p_limit, 1), 200)
  ) e
  left join tasks t on t.id = e.task_id
  left join agents a on a.id = e.agent_id
$$;

-- The app's functions that cannot write (stable or immutable): a call to any
-- other one may have emitted events, so the bus looks for new ones after it.
create or replace function list_read_functions() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(p.proname order by p.proname), '[]'::jsonb)
  from (select distinct proname from pg_proc
        where pronamespace = current_schema()::regnamespace and prokind = 'f' and provolatile <> 'v') p
$$;

-- Events in seq order up to the first hole. At a hole it answers with a
-- fresh transaction id (wait_for); once every transaction older than that has
-- ended (the snapshot's xmin has passed it), a hole below settle_upto can no
-- longer fill: it was a rollback, and the reader moves past it. So writers
-- commit in parallel and no reader ever skips an event. Without p_details
-- (no stream open) only how far the log has settled is computed: last_seq,
-- and more (the limit was reached).
create or replace function get_settled_events(p_since bigint, p_limit int default 500, p_wait_for xid8 default null,
                                              p_settle_upto bigint default null, p_details boolean default true)
returns jsonb language plpgsql as $$
declare
  v_limit int := least(greatest(p_limit, 1), 5000);
  v_settled boolean := p_wait_for is not null and pg_snapshot_xmin(pg_current_snapshot()) > p_wait_for;
  v_expected bigint := p_since + 1;
  v_last bigint := p_since;
  v_read int := 0;
  v_wait_for text := null;
  v_settle_upto bigint := null;
  v_seq bigint;
  v_events jsonb := '[]'::jsonb;
begin
  for v_seq in select seq from events where seq > p_since order by seq limit v_limit loop
    v_read := v_read + 1;
    if v_seq <> v_expected and not (v_settled and v_seq <= p_settle_upto) then
      if p_wait_for is not null and not v_settled then
        v_wait_for := p_wait_for::text;
        v_settle_upto := p_settle_upto;
      else
        v_wait_for := pg_current_xact_id()::text;
        v_settle_upto := v_seq;
      end if;
      exit;
    end if;
    v_last := v_seq;
    v_expected := v_seq + 1;
  end loop;
  if p_details then
    select coalesce(jsonb_agg(event_json(e, t.title, a.name, w.slug) order by e.seq), '[]'::jsonb) into v_events
    from (select * from events where seq > p_since and seq <= v_last) e
    left join tasks t on t.id = e.task_id
    left join agents a on a.id = e.agent_id
    left join workspaces w on w.id = e.workspace_id;
  end if;
  return jsonb_build_object('events', v_events, 'last_seq', v_last, 'more', v_read = v_limit and v_wait_for is null,
                            'wait_for', v_wait_for, 'settle_upto', v_settle_upto);
end $$;
