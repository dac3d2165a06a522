-- Events without one global lock (measured by `npm run bench`).
--
-- emit_event took one transaction-scoped advisory lock so that seq order was
-- commit order. The lock was held through each commit's WAL flush, so every
-- write that emits an event — every agent write — committed one at a time:
-- about one write per fsync, whatever the pool or the CPU.
--
-- Now writers take seqs freely and the reader waits out holes instead. A
-- writer makes sure its transaction has an id before it takes a seq, so a
-- seq still in flight always belongs to a transaction that already exists.
-- get_settled_events hands out events in seq order up to the first hole; at
-- a hole it answers with a fresh transaction id (wait_for). Once every
-- transaction older than that has ended (the snapshot's xmin has passed it),
-- a hole below settle_upto can no longer fill: it was a rollback, and the
-- reader moves past it. Writers commit in parallel (group commit), and no
-- reader ever skips an event.
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
  perform pg_notify('mc_events', v_seq::text);
  return v_seq;
end $$;

-- The live reader's query: {events, wait_for, settle_upto}. Pass back the
-- wait_for and settle_upto of the previous answer (null the first time).
create or replace function get_settled_events(p_since bigint, p_limit int default 500, p_wait_for xid8 default null, p_settle_upto bigint default null)
returns jsonb language plpgsql as $$
declare
  v_settled boolean := p_wait_for is not null and pg_snapshot_xmin(pg_current_snapshot()) > p_wait_for;
  v_expected bigint := p_since + 1;
  v_last bigint := p_since;
  v_wait_for text := null;
  v_settle_upto bigint := null;
  v_seq bigint;
  v_events jsonb;
begin
  for v_seq in select seq from events where seq > p_since order by seq limit least(greatest(p_limit, 1), 5000) loop
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
  select coalesce(jsonb_agg(event_json(e, t.title, a.name, w.slug) order by e.seq), '[]'::jsonb) into v_events
  from (select * from events where seq > p_since and seq <= v_last) e
  left join tasks t on t.id = e.task_id
  left join agents a on a.id = e.agent_id
  left join workspaces w on w.id = e.workspace_id;
  return jsonb_build_object('events', v_events, 'wait_for', v_wait_for, 'settle_upto', v_settle_upto);
end $$;
