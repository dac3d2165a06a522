-- Registered OpenClaw gateways (decision 052). A gateway has a name, a ws://
-- or wss:// URL and a token the app encrypted before it got here (the
-- database never sees it in clear, and no function but the connections'
-- list hands the ciphertext out). An agent belongs to one gateway; an agent
-- without one runs on the default gateway of OPENCLAW_GATEWAY_URL, which is
-- configuration, not a row. Every change is audited (never the token) and
-- emits gateway.* so every instance reconnects as the change says.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`.

create or replace function gateway_json(g gateways) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', g.id, 'name', g.name, 'url', g.url,
    'agents', (select count(*)::int from agents a where a.gateway_id = g.id),
    'created_at', g.created_at, 'updated_at', g.updated_at)
$$;

create or replace function list_gateways() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(gateway_json(g) order by lower(g.name), g.id), '[]'::jsonb) from gateways g
$$;

-- What the app's connections need, ciphertext included: only the gateway registry reads it.
create or replace function list_gateway_connections() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'url', g.url, 'token_ciphertext', g.token_ciphertext,
                                               'updated_at', g.updated_at) order by g.created_at, g.id), '[]'::jsonb)
  from gateways g
$$;

-- The same refusals as the form's schema, so a caller that skipped it writes nothing either.
create or replace function check_gateway_fields(p_gateway_id uuid, p_name text, p_url text) returns void
language plpgsql as $$
begin
  if char_length(btrim(coalesce(p_name, ''))) not between 1 and 80 then
    perform raise_app_error('invalid', 'A gateway needs a name of at most 80 characters.',
      jsonb_build_object('fields', jsonb_build_object('name', 'A name is required')));
  end if;
  if p_url is null or char_length(p_url) > 2000 or p_url !~ '^wss?://[^\s/?#@]+([/?#]\S*)?$' then
    perform raise_app_error('invalid', 'A gateway URL starts with ws:// or wss://.',
      jsonb_build_object('fields', jsonb_build_object('url', 'Use a ws:// or wss:// URL')));
  end if;
  if exists (select 1 from gateways where lower(btrim(name)) = lower(btrim(p_name)) and id is distinct from p_gateway_id) then
    perform raise_app_error('conflict', 'A gateway with that name is already registered.',
      jsonb_build_object('fields', jsonb_build_object('name', 'Already used by another gateway')));
  end if;
end $$;

create or replace function create_gateway(p_name text, p_url text, p_token_ciphertext text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_g gateways;
begin
  perform check_gateway_fields(null, p_name, p_url);
  if char_length(coalesce(p_token_ciphertext, '')) not between 1 and 4000 then
    perform raise_app_error('invalid', 'A gateway needs its token.',
      jsonb_build_object('fields', jsonb_build_object('token', 'The gateway token is required')));
  end if;
  insert into gateways (name, url, token_ciphertext) values (btrim(p_name), p_url, p_token_ciphertext) returning * into v_g;
  perform append_audit('gateway.created', p_actor, jsonb_build_object('gateway_id', v_g.id), jsonb_build_object('name', v_g.name, 'url', v_g.url));
  perform emit_event('gateway.created', null, null, null, p_actor, jsonb_build_object('gateway_id', v_g.id, 'name', v_g.name));
  return gateway_json(v_g);
end $$;

-- A null token keeps the stored one (the form never shows it again).
create or replace function update_gateway(p_gateway_id uuid, p_name text, p_url text, p_token_ciphertext text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_g gateways;
begin
  perform 1 from gateways where id = p_gateway_id for update;
  if not found then
    perform raise_app_error('not_found', 'Gateway not found.');
  end if;
  perform check_gateway_fields(p_gateway_id, p_name, p_url);
  if p_token_ciphertext is not null and char_length(p_token_ciphertext) not between 1 and 4000 then
    perform raise_app_error('invalid', 'The gateway token is too long.',
      jsonb_build_object('fields', jsonb_build_object('token', 'The gateway token is too long')));
  end if;
  update gateways set name = btrim(p_name), url = p_url, token_ciphertext = coalesce(p_token_ciphertext, token_ciphertext), updated_at = now()
  where id = p_gateway_id returning * into v_g;
  perform append_audit('gateway.updated', p_actor, jsonb_build_object('gateway_id', v_g.id),
    jsonb_build_object('name', v_g.name, 'url', v_g.url, 'token_changed', p_token_ciphertext is not null));
  perform emit_event('gateway.updated', null, null, null, p_actor, jsonb_build_object('gateway_id', v_g.id, 'name', v_g.name));
  return gateway_json(v_g);
end $$;

-- Refuses while agents belong to it: they would silently move to the default gateway.
create or replace function delete_gateway(p_gateway_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_g gateways;
  v_agents int;
begin
  select * into v_g from gateways where id = p_gateway_id for update;
  if not found then
    perform raise_app_error('not_found', 'Gateway not found.');
  end if;
  select count(*)::int into v_agents from agents where gateway_id = p_gateway_id;
  if v_agents > 0 then
    perform raise_app_error('conflict', format('%s agent(s) run on this gateway: move them to another gateway first.', v_agents),
      jsonb_build_object('agents', v_agents));
  end if;
  delete from gateways where id = p_gateway_id;
  perform append_audit('gateway.deleted', p_actor, jsonb_build_object('gateway_id', v_g.id), jsonb_build_object('name', v_g.name, 'url', v_g.url));
  perform emit_event('gateway.deleted', null, null, null, p_actor, jsonb_build_object('gateway_id', v_g.id, 'name', v_g.name));
  return jsonb_build_object('id', v_g.id, 'deleted', true);
end $$;

-- Which gateway an agent's runs go to: its own, or null for the default gateway.
create or replace function agent_gateway(p_agent_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('agent_id', a.id, 'gateway_id', a.gateway_id) from agents a where a.id = p_agent_id
$$;

-- The gateway of a task's assigned agent (null gateway_id: the default; no row: no such task).
create or replace function task_gateway(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('task_id', t.id, 'agent_id', a.id, 'gateway_id', a.gateway_id)
  from tasks t left join agents a on a.id = t.assigned_agent_id where t.id = p_task_id
$$;
