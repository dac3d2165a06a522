-- API keys (decision 050): a user creates, lists and revokes their own keys;
-- the operator API authenticates a key in one call. What a key may do is its
-- scopes capped by its owner's current role, which the app checks on every
-- request with the role this call returns (app/domain/api-keys.ts).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- A key as its owner's settings page shows it (never the hash).
create or replace function api_key_json(k api_keys) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', k.id, 'name', k.name, 'hint', k.hint, 'scopes', to_jsonb(k.scopes),
                            'expires_at', k.expires_at, 'revoked_at', k.revoked_at, 'last_used_at', k.last_used_at,
                            'created_at', k.created_at,
                            'state', case when k.revoked_at is not null then 'revoked'
                                          when k.expires_at is not null and k.expires_at <= now() then 'expired'
                                          else 'active' end)
$$;

-- A user's keys, newest first, revoked and expired ones included.
create or replace function list_api_keys(p_user_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(api_key_json(k) order by k.created_at desc, k.id), '[]'::jsonb)
  from api_keys k where k.user_id = p_user_id
$$;

-- Creates a key for an active user; the app made the key and hashed it, and
-- checked that the scopes fit the user's role. Audited with the owner.
create or replace function create_api_key(p_user_id uuid, p_name text, p_scopes jsonb, p_expires_at timestamptz,
                                          p_token_hash text, p_hint text) returns jsonb
language plpgsql as $$
declare
  v_key api_keys;
begin
  if not exists (select 1 from users where id = p_user_id and disabled_at is null) then
    perform raise_app_error('forbidden', 'This account is disabled.');
  end if;
  if p_expires_at is not null and p_expires_at <= now() then
    perform raise_app_error('invalid', 'The expiry must be in the future.', jsonb_build_object('fields', jsonb_build_object('expires_at', 'Pick a day after today')));
  end if;
  insert into api_keys (user_id, name, scopes, expires_at, token_hash, hint)
  values (p_user_id, btrim(p_name), (select array_agg(distinct s order by s) from jsonb_array_elements_text(p_scopes) s), p_expires_at, p_token_hash, p_hint)
  returning * into v_key;
  perform append_audit('api_key.created', user_actor(p_user_id), jsonb_build_object('user_id', p_user_id, 'api_key_id', v_key.id),
    jsonb_build_object('name', v_key.name, 'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'hint', v_key.hint));
  return api_key_json(v_key);
end $$;

-- Revokes one of the user's own keys (another user's key is not found). A
-- key revoked already stays as it was. Audited with the owner.
create or replace function revoke_api_key(p_key_id uuid, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_key api_keys;
begin
  select * into v_key from api_keys where id = p_key_id and user_id = p_user_id for update;
  if not found then
    perform raise_app_error('not_found', 'No key with that id is yours.');
  end if;
  if v_key.revoked_at is null then
    update api_keys set revoked_at = now() where id = p_key_id returning * into v_key;
    perform append_audit('api_key.revoked', user_actor(p_user_id), jsonb_build_object('user_id', p_user_id, 'api_key_id', v_key.id),
      jsonb_build_object('name', v_key.name, 'hint', v_key.hint));
  end if;
  return api_key_json(v_key);
end $$;

-- The key behind a bearer token, in one call: its hash is known, it is not
-- revoked or expired, and its owner is active. Returns the key's id and
-- scopes and the owner with their role as it is now; null otherwise. The
-- key's last use is written at most once a minute, so reads stay cheap.
create or replace function authenticate_api_key(p_token_hash text) returns jsonb
language plpgsql as $$
declare
  v_key api_keys;
  v_user users;
begin
  select * into v_key from api_keys
  where token_hash = p_token_hash and revoked_at is null and (expires_at is null or expires_at > now());
  if not found then
    return null;
  end if;
  select * into v_user from users where id = v_key.user_id and disabled_at is null;
  if not found then
    return null;
  end if;
  if v_key.last_used_at is null or v_key.last_used_at < now() - interval '1 minute' then
    update api_keys set last_used_at = now()
    where id = v_key.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  end if;
  return jsonb_build_object('key_id', v_key.id, 'scopes', to_jsonb(v_key.scopes),
    'user', jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role,
                               'time_zone', v_user.time_zone));
end $$;
