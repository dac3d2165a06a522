-- Append-only event log. seq is the SSE id. Writers go through emit_event,
-- which serialises event inserts per transaction so seq order is commit order
-- (a reader that has seen seq N never later finds a smaller one appear).
create table events (
  seq bigserial primary key,
  type text not null check (type ~ '^[a-z]+\.[a-z_]+$'),
  workspace_id uuid,
  task_id uuid,
  agent_id uuid,
  actor_type text not null check (actor_type in ('user', 'agent', 'system')),
  actor_id uuid,
  actor_name text not null default '',
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index events_workspace_seq_idx on events (workspace_id, seq);
create index events_created_at_idx on events (created_at);

create or replace function prevent_event_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'events are append-only' using errcode = 'P0001', hint = 'forbidden';
end $$;
create trigger events_append_only before update on events
  for each row execute function prevent_event_rewrite();

-- The lock key is arbitrary but fixed: 'mc.events'.
create or replace function emit_event(
  p_type text, p_workspace_id uuid, p_task_id uuid, p_agent_id uuid,
  p_actor jsonb, p_payload jsonb default '{}'::jsonb
) returns bigint
language plpgsql as $$
declare
  v_seq bigint;
begin
  perform pg_advisory_xact_lock(hashtext('mc.events'));
  insert into events (type, workspace_id, task_id, agent_id, actor_type, actor_id, actor_name, payload)
  values (p_type, p_workspace_id, p_task_id, p_agent_id,
          coalesce(p_actor->>'type', 'system'), (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''),
          coalesce(p_payload, '{}'::jsonb))
  returning seq into v_seq;
  perform pg_notify('mc_events', v_seq::text);
  return v_seq;
end $$;
