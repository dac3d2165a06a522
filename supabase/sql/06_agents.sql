-- Agents: the registry, their bearer tokens (only a hash is kept), and their
-- deletion (audited).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function agent_json(a agents) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', a.id, 'workspace_id', a.workspace_id, 'name', a.name, 'role', a.role, 'emoji', a.emoji,
    'model', a.model, 'openclaw_agent_id', a.openclaw_agent_id, 'gateway_id', a.gateway_id, 'status', a.status,
    'autonomy_level', a.autonomy_level, 'has_token', a.api_token_hash is not null,
    'token_hint', a.api_token_hint, 'token_created_at', a.api_token_created_at,
    'created_at', a.created_at, 'updated_at', a.updated_at)
$$;

create or replace function list_agents(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(agent_json(a) || jsonb_build_object('active_tasks', coalesce(t.n, 0))
                            order by lower(a.name), a.id), '[]'::jsonb)
  from agents a
  left join lateral (
    select count(*)::int as n from tasks
    where assigned_agent_id = a.id and status in ('assigned', 'in_progress', 'testing', 'review') and deleted_at is null
  ) t on true
  where a.workspace_id = p_workspace_id
$$;

create or replace function get_agent(p_agent_id uuid) returns jsonb
language sql stable as $$
  select agent_json(a) from agents a where a.id = p_agent_id
$$;

create or replace function create_agent(p_workspace_id uuid, p_fields jsonb, p_token_hash text, p_token_hint text, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
begin
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if exists (select 1 from agents where workspace_id = p_workspace_id and lower(name) = lower(btrim(p_fields->>'name'))) then
    perform raise_app_error('conflict', 'An agent with that name already exists in this workspace.',
      jsonb_build_object('fields', jsonb_build_object('name', 'Already used in this workspace')));
  end if;
  if nullif(p_fields->>'gateway_id', '') is not null and not exists (select 1 from gateways where id = (p_fields->>'gateway_id')::uuid) then
    perform raise_app_error('invalid', 'That gateway is not registered.',
      jsonb_build_object('fields', jsonb_build_object('gateway_id', 'Choose a registered gateway')));
  end if;
  insert into agents (workspace_id, name, role, emoji, model, openclaw_agent_id, gateway_id, status,
                      api_token_hash, api_token_hint, api_token_created_at)
  values (p_workspace_id, btrim(p_fields->>'name'), coalesce(p_fields->>'role', ''),
          coalesce(nullif(p_fields->>'emoji', ''), '🤖'), coalesce(p_fields->>'model', ''),
          nullif(p_fields->>'openclaw_agent_id', ''), nullif(p_fields->>'gateway_id', '')::uuid, coalesce(p_fields->>'status', 'standby'),
          p_token_hash, p_token_hint, case when p_token_hash is null then null else now() end)
  returning * into v_agent;
  perform append_audit('agent.created', p_actor, jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'openclaw_agent_id', v_agent.openclaw_agent_id, 'gateway_id', v_agent.gateway_id, 'autonomy_level', v_agent.autonomy_level,
                       'token_issued', p_token_hash is not null, 'token_hint', p_token_hint));
  perform emit_event('agent.created', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name));
  return agent_json(v_agent);
end $$;

create or replace function update_agent(p_agent_id uuid, p_fields jsonb, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  if p_fields ? 'name' and exists (
    select 1 from agents where workspace_id = v_agent.workspace_id and id <> p_agent_id
      and lower(name) = lower(btrim(p_fields->>'name'))) then
    perform raise_app_error('conflict', 'An agent with that name already exists in this workspace.',
      jsonb_build_object('fields', jsonb_build_object('name', 'Already used in this workspace')));
  end if;
  if nullif(p_fields->>'gateway_id', '') is not null and not exists (select 1 from gateways where id = (p_fields->>'gateway_id')::uuid) then
    perform raise_app_error('invalid', 'That gateway is not registered.',
      jsonb_build_object('fields', jsonb_build_object('gateway_id', 'Choose a registered gateway')));
  end if;
  update agents set
    name = case when p_fields ? 'name' then btrim(p_fields->>'name') else name end,
    role = case when p_fields ? 'role' then p_fields->>'role' else role end,
    emoji = case when p_fields ? 'emoji' then coalesce(nullif(p_fields->>'emoji', ''), '🤖') else emoji end,
    model = case when p_fields ? 'model' then p_fields->>'model' else model end,
    openclaw_agent_id = case when p_fields ? 'openclaw_agent_id' then nullif(p_fields->>'openclaw_agent_id', '') else openclaw_agent_id end,
    gateway_id = case when p_fields ? 'gateway_id' then nullif(p_fields->>'gateway_id', '')::uuid else gateway_id end,
    status = case when p_fields ? 'status' then p_fields->>'status' else status end
  where id = p_agent_id
  returning * into v_agent;
  perform emit_event('agent.updated', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name, 'status', v_agent.status, 'fields',
      (select coalesce(jsonb_agg(k), '[]'::jsonb) from jsonb_object_keys(p_fields) k)));
  return agent_json(v_agent);
end $$;

create or replace function rotate_agent_token(p_agent_id uuid, p_token_hash text, p_token_hint text, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
  v_had_token boolean;
begin
  select api_token_hash is not null into v_had_token from agents where id = p_agent_id for update;
  update agents set api_token_hash = p_token_hash, api_token_hint = p_token_hint, api_token_created_at = now()
  where id = p_agent_id returning * into v_agent;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  perform append_audit(case when v_had_token then 'agent.token_rotated' else 'agent.token_issued' end, p_actor,
    jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'token_hint', p_token_hint));
  perform emit_event('agent.updated', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name, 'token_rotated', true));
  return agent_json(v_agent);
end $$;

-- Refuses while the agent holds work that needs an assignee.
create or replace function delete_agent(p_agent_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_agent agents;
  v_active int;
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  select count(*) into v_active from tasks where assigned_agent_id = p_agent_id and status in ('assigned', 'in_progress') and deleted_at is null;
  if v_active > 0 then
    perform raise_app_error('conflict',
      format('%s has %s assigned or running task(s). Reassign them first.', v_agent.name, v_active),
      jsonb_build_object('active_tasks', v_active));
  end if;
  delete from agents where id = p_agent_id;
  perform append_audit('agent.deleted', p_actor, jsonb_build_object('agent_id', v_agent.id, 'workspace_id', v_agent.workspace_id),
    jsonb_build_object('name', v_agent.name, 'openclaw_agent_id', v_agent.openclaw_agent_id));
  perform emit_event('agent.deleted', v_agent.workspace_id, null, v_agent.id, p_actor,
    jsonb_build_object('name', v_agent.name));
  return jsonb_build_object('id', p_agent_id, 'deleted', true);
end $$;
