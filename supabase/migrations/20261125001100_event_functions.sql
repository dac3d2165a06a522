-- Event reads: SSE replay and the live feed.

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

-- The roadmap's RPC: events after seq p_since, oldest first, with the names
-- a client needs to render them.
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
    order by seq desc
    limit least(greatest(p_limit, 1), 200)
  ) e
  left join tasks t on t.id = e.task_id
  left join agents a on a.id = e.agent_id
$$;
