-- The live reader without listeners: when no stream is open, the event bus
-- only needs to know how far the log has settled, not each event's details
-- (names joined in, JSON built). Same contract as before, plus `last_seq`
-- (how far this answer settled) and `more` (the limit was reached).
drop function if exists get_settled_events(bigint, int, xid8, bigint);

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
