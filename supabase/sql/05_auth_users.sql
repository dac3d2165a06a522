-- Users, sessions, sign-in and set-up: the first admin, sign-in lockouts and
-- set-up links that hold across instances on one database and across restarts
-- (docs/decisions/017), user administration (each change audited with the
-- admin who acted).
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function count_users() returns jsonb
language sql stable as $$
  select jsonb_build_object('users', (select count(*)::int from users))
$$;

create or replace function check_setup_token(p_token_hash text) returns jsonb
language sql stable as $$
  select jsonb_build_object('valid',
    not exists (select 1 from users)
    and exists (select 1 from setup_tokens where token_hash = p_token_hash and expires_at > now()))
$$;

-- Creates the first admin exactly once: a valid set-up token must match and
-- no user may exist yet (the table lock makes two racing set-ups safe).
create or replace function create_first_admin(p_setup_token_hash text, p_email text, p_name text, p_password_hash text)
returns jsonb language plpgsql as $$
declare
  v_user users;
begin
  lock table users in exclusive mode;
  if exists (select 1 from users) then
    perform raise_app_error('conflict', 'Set-up is already complete. Sign in instead.');
  end if;
  if not exists (select 1 from setup_tokens where token_hash = p_setup_token_hash and expires_at > now()) then
    perform raise_app_error('forbidden', 'This set-up link is not valid or has expired. Restart the server to print a new one.');
  end if;
  insert into users (email, name, role, password_hash) values (lower(p_email), btrim(p_name), 'admin', p_password_hash)
  returning * into v_user;
  delete from setup_tokens where true;
  -- The first admin is audited, created by the set-up link.
  perform append_audit('user.created', '{"type":"system","name":"set-up link"}'::jsonb, jsonb_build_object('user_id', v_user.id),
    jsonb_build_object('email', v_user.email, 'name', v_user.name, 'role', v_user.role, 'first_admin', true));
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role);
end $$;

create or replace function get_login_user(p_email text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'email', email, 'name', name, 'role', role,
                            'password_hash', password_hash, 'disabled', disabled_at is not null,
                            'time_zone', time_zone)
  from users where email = lower(p_email)
$$;

-- Looks a session up and slides its expiry when more than half has elapsed,
-- so an active operator stays signed in without a write on every request.
create or replace function touch_session(p_token_hash text, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_session sessions;
begin
  select * into v_session from sessions where token_hash = p_token_hash and expires_at > now();
  if not found then
    return null;
  end if;
  select * into v_user from users where id = v_session.user_id and disabled_at is null;
  if not found then
    return null;
  end if;
  if v_session.expires_at < now() + make_interval(secs => p_ttl_seconds / 2) then
    update sessions set expires_at = now() + make_interval(secs => p_ttl_seconds), last_seen_at = now()
    where token_hash = p_token_hash returning * into v_session;
  end if;
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role,
                            'time_zone', v_user.time_zone,
                            'expires_at', v_session.expires_at);
end $$;

-- Every instance may remember a session's user for a few seconds (decision
-- 056): an ended session and any change to a user's row are announced on
-- mc_auth with the user's id, so each instance forgets that user's sessions.
create or replace function announce_auth_change() returns trigger
language plpgsql as $$
begin
  if tg_table_name = 'sessions' then
    perform pg_notify('mc_auth', old.user_id::text);
  else
    perform pg_notify('mc_auth', old.id::text);
  end if;
  return null;
end $$;

-- The zone a user reads times in; the app has checked the name. Not audited:
-- it changes what the user sees, not what anyone may do.
create or replace function set_user_time_zone(p_user_id uuid, p_time_zone text) returns jsonb
language plpgsql as $$
begin
  update users set time_zone = p_time_zone, updated_at = now() where id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  return jsonb_build_object('id', p_user_id, 'time_zone', p_time_zone);
end $$;

create or replace function delete_session(p_token_hash text) returns jsonb
language plpgsql as $$
declare
  v_user_id uuid;
begin
  delete from sessions where token_hash = p_token_hash returning user_id into v_user_id;
  if v_user_id is not null then
    perform append_audit('auth.signed_out', user_actor(v_user_id), jsonb_build_object('user_id', v_user_id), '{}'::jsonb);
  end if;
  return jsonb_build_object('ok', true);
end $$;

create or replace function list_users() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role, 'disabled', u.disabled_at is not null,
    'created_at', u.created_at,
    'sessions', (select count(*)::int from sessions s where s.user_id = u.id and s.expires_at > now()),
    'last_seen_at', (select max(last_seen_at) from sessions s where s.user_id = u.id)) order by u.created_at), '[]'::jsonb)
  from users u
$$;

create or replace function assert_admin_remains(p_user_id uuid) returns void
language plpgsql as $$
begin
  if not exists (select 1 from users where role = 'admin' and disabled_at is null and id <> p_user_id) then
    perform raise_app_error('conflict', 'This is the last active admin; promote someone else first.');
  end if;
end $$;

create or replace function set_user_role(p_user_id uuid, p_role text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_from text;
begin
  select * into v_user from users where id = p_user_id for update;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  if p_user_id = p_actor_id and p_role <> v_user.role then
    perform raise_app_error('forbidden', 'You cannot change your own role.');
  end if;
  if v_user.role = 'admin' and p_role <> 'admin' then
    perform assert_admin_remains(p_user_id);
  end if;
  v_from := v_user.role;
  update users set role = p_role where id = p_user_id returning * into v_user;
  if v_user.role is distinct from v_from then
    perform append_audit('user.role_changed', user_actor(p_actor_id), jsonb_build_object('user_id', v_user.id),
      jsonb_build_object('email', v_user.email, 'from', v_from, 'to', v_user.role));
  end if;
  return jsonb_build_object('id', v_user.id, 'role', v_user.role);
end $$;

create or replace function set_user_disabled(p_user_id uuid, p_disabled boolean, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_ended int := 0;
begin
  select * into v_user from users where id = p_user_id for update;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  if p_user_id = p_actor_id then
    perform raise_app_error('forbidden', 'You cannot disable your own account.');
  end if;
  if p_disabled and v_user.role = 'admin' then
    perform assert_admin_remains(p_user_id);
  end if;
  update users set disabled_at = case when p_disabled then coalesce(disabled_at, now()) end where id = p_user_id;
  if p_disabled then
    delete from sessions where user_id = p_user_id;
    get diagnostics v_ended = row_count;
  end if;
  if (v_user.disabled_at is not null) is distinct from p_disabled then
    perform append_audit(case when p_disabled then 'user.disabled' else 'user.enabled' end, user_actor(p_actor_id),
      jsonb_build_object('user_id', p_user_id), jsonb_build_object('email', v_user.email, 'sessions_ended', v_ended));
  end if;
  return jsonb_build_object('id', p_user_id, 'disabled', p_disabled);
end $$;

create or replace function user_actor(p_user_id uuid) returns jsonb
language sql stable as $$
  select audit_actor(jsonb_build_object('type', 'user', 'id', p_user_id))
$$;

-- Signing in is audited with the address it came from.
create or replace function create_session(p_token_hash text, p_user_id uuid, p_ttl_seconds int, p_user_agent text, p_client_ip text default null)
returns jsonb language plpgsql as $$
begin
  delete from sessions where user_id = p_user_id and expires_at < now();
  insert into sessions (token_hash, user_id, expires_at, user_agent)
  values (p_token_hash, p_user_id, now() + make_interval(secs => p_ttl_seconds), left(p_user_agent, 400));
  perform append_audit('auth.signed_in', user_actor(p_user_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('ip', left(p_client_ip, 100), 'user_agent', left(p_user_agent, 400)));
  return jsonb_build_object('ok', true);
end $$;

-- A refused sign-in, never with the password. Attempts the lockout turns
-- away are not recorded one by one (the row that locked says so), so
-- guessing cannot grow the log without bound.
create or replace function record_sign_in_failure(p_email text, p_reason text, p_client_ip text, p_locked boolean) returns jsonb
language plpgsql as $$
declare
  v_user users;
begin
  if p_reason not in ('unknown_user', 'wrong_password', 'disabled') then
    perform raise_app_error('invalid', 'Unknown sign-in failure reason.');
  end if;
  select * into v_user from users where email = lower(p_email);
  perform append_audit('auth.sign_in_failed', jsonb_build_object('type', 'anonymous', 'ip', left(p_client_ip, 100)),
    jsonb_build_object('email', left(lower(p_email), 320), 'user_id', v_user.id),
    jsonb_build_object('reason', p_reason, 'locked', coalesce(p_locked, false)));
  return jsonb_build_object('ok', true);
end $$;

create or replace function create_user(p_email text, p_name text, p_role text, p_password_hash text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
begin
  if exists (select 1 from users where email = lower(p_email)) then
    perform raise_app_error('conflict', 'A user with that email already exists.',
      jsonb_build_object('fields', jsonb_build_object('email', 'Already registered')));
  end if;
  insert into users (email, name, role, password_hash) values (lower(p_email), btrim(p_name), p_role, p_password_hash)
  returning * into v_user;
  perform append_audit('user.created', user_actor(p_actor_id), jsonb_build_object('user_id', v_user.id),
    jsonb_build_object('email', v_user.email, 'name', v_user.name, 'role', v_user.role));
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'role', v_user.role);
end $$;

create or replace function end_user_sessions(p_user_id uuid, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_count int;
begin
  select * into v_user from users where id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  delete from sessions where user_id = p_user_id;
  get diagnostics v_count = row_count;
  perform append_audit('user.sessions_ended', user_actor(p_actor_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('email', v_user.email, 'sessions_ended', v_count));
  return jsonb_build_object('ended', v_count);
end $$;

create or replace function set_user_password(p_user_id uuid, p_password_hash text, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_ended int;
begin
  update users set password_hash = p_password_hash where id = p_user_id returning * into v_user;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  delete from sessions where user_id = p_user_id;
  get diagnostics v_ended = row_count;
  perform append_audit('user.password_reset', user_actor(p_actor_id), jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('email', v_user.email, 'own', p_user_id = p_actor_id, 'sessions_ended', v_ended));
  return jsonb_build_object('id', p_user_id);
end $$;

-- Failed sign-ins are counted in the shared rate_limits table (the layout the
-- other rate limits use: points, and expire = the end of the key's window in
-- epoch ms), per account and per client address, in fixed windows that start
-- at a key's first attempt. Every attempt takes a point before the password
-- is checked, so concurrent guesses cannot overrun the limit however many
-- instances they reach; login_succeeded gives the point back.
create or replace function begin_login_attempt(p_account_key text, p_address_key text,
                                               p_account_max int, p_address_max int, p_window_s int)
returns jsonb language plpgsql as $$
declare
  v_now bigint := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
  v_account rate_limits;
  v_address rate_limits;
  v_wait_ms bigint := 0;
begin
  -- Windows that ended over a window ago are dropped, a few at a time; rows
  -- another attempt holds are left for the next one.
  delete from rate_limits where key in (
    select key from rate_limits
    where expire < v_now - p_window_s * 1000::bigint and key like 'mc:login:%'
    limit 100 for update skip locked);
  -- One statement locks both rows, account first, in every call: no deadlock.
  insert into rate_limits as r (key, points, expire)
  values (p_account_key, 0, v_now + p_window_s * 1000::bigint), (p_address_key, 0, v_now + p_window_s * 1000::bigint)
  on conflict (key) do update set
    points = case when r.expire is null or r.expire <= v_now then 0 else r.points end,
    expire = case when r.expire is null or r.expire <= v_now then excluded.expire else r.expire end;
  select * into v_account from rate_limits where key = p_account_key;
  select * into v_address from rate_limits where key = p_address_key;
  if v_account.points >= p_account_max then
    v_wait_ms := v_account.expire - v_now;
  end if;
  if v_address.points >= p_address_max then
    v_wait_ms := greatest(v_wait_ms, v_address.expire - v_now);
  end if;
  if v_wait_ms > 0 then
    return jsonb_build_object('allowed', false, 'retry_after_s', greatest(1, ceil(v_wait_ms / 1000.0))::int);
  end if;
  update rate_limits set points = points + 1 where key in (p_account_key, p_address_key);
  -- remaining: attempts left before a lockout once this one has failed (0: this one locks).
  return jsonb_build_object('allowed', true,
    'remaining', least(p_account_max - v_account.points - 1, p_address_max - v_address.points - 1));
end $$;

-- A correct password: the account's failures are forgotten (its owner proved
-- the password), the address keeps the failures it made on other accounts
-- and gets back only this attempt's point.
create or replace function login_succeeded(p_account_key text, p_address_key text)
returns jsonb language plpgsql as $$
begin
  delete from rate_limits where key = p_account_key;
  update rate_limits set points = greatest(points - 1, 0) where key = p_address_key;
  return jsonb_build_object('ok', true);
end $$;

-- Adds a set-up token unless a user already exists (then the caller prints no link).
create or replace function add_setup_token(p_token_hash text, p_ttl_seconds int) returns jsonb
language plpgsql as $$
declare
  v_expires timestamptz := now() + make_interval(secs => p_ttl_seconds);
begin
  if exists (select 1 from users) then
    return jsonb_build_object('added', false);
  end if;
  delete from setup_tokens where expires_at <= now();
  insert into setup_tokens (token_hash, expires_at) values (p_token_hash, v_expires);
  return jsonb_build_object('added', true, 'expires_at', v_expires);
end $$;

-- Web Push subscriptions (decision 048): the devices a user is notified on.
-- The app has validated the endpoint (https, no private address) and the keys.

create or replace function push_subscription_json(s push_subscriptions) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', s.id, 'user_id', s.user_id, 'endpoint', s.endpoint, 'p256dh', s.p256dh, 'auth', s.auth,
                            'user_agent', s.user_agent, 'created_at', s.created_at, 'last_success_at', s.last_success_at,
                            'expired_at', s.expired_at)
$$;

-- Saves this device for the user: a new endpoint is added, the user's own
-- one gets its new keys and is active again. An endpoint another user owns is
-- refused (409) and left as it was, in the same statement, so two users
-- saving one endpoint at once cannot both have it.
create or replace function save_push_subscription(p_user_id uuid, p_endpoint text, p_p256dh text, p_auth text, p_user_agent text)
returns jsonb language plpgsql as $$
declare
  v_row push_subscriptions;
begin
  if not exists (select 1 from users where id = p_user_id and disabled_at is null) then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  insert into push_subscriptions as s (user_id, endpoint, p256dh, auth, user_agent)
  values (p_user_id, p_endpoint, p_p256dh, p_auth, coalesce(p_user_agent, ''))
  on conflict (endpoint) do update set
    p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent, expired_at = null
    where s.user_id = excluded.user_id
  returning * into v_row;
  if v_row.id is null then
    perform raise_app_error('conflict', 'This device already receives notifications for another user. That user can remove it in their settings.');
  end if;
  return push_subscription_json(v_row);
end $$;

-- Removes one of the user's devices, named by its id or by its endpoint.
create or replace function remove_push_subscription(p_user_id uuid, p_id uuid, p_endpoint text) returns jsonb
language plpgsql as $$
declare
  v_id uuid;
begin
  if (p_id is null) = (p_endpoint is null) then
    perform raise_app_error('invalid', 'Name the device by its id or by its endpoint.');
  end if;
  delete from push_subscriptions
  where user_id = p_user_id and (id = p_id or endpoint = p_endpoint)
  returning id into v_id;
  if v_id is null then
    perform raise_app_error('not_found', 'Device not found.');
  end if;
  return jsonb_build_object('id', v_id, 'removed', true);
end $$;

-- The push service said the endpoint is gone (404/410): nothing is sent to it
-- again until the browser subscribes anew.
create or replace function mark_push_subscription_expired(p_endpoint text) returns jsonb
language plpgsql as $$
declare
  v_id uuid;
begin
  update push_subscriptions set expired_at = coalesce(expired_at, now())
  where endpoint = p_endpoint returning id into v_id;
  return jsonb_build_object('id', v_id, 'expired', v_id is not null);
end $$;

-- A push service accepted a message for the endpoint.
create or replace function record_push_success(p_endpoint text) returns jsonb
language plpgsql as $$
declare
  v_id uuid;
begin
  update push_subscriptions set last_success_at = now()
  where endpoint = p_endpoint and expired_at is null returning id into v_id;
  return jsonb_build_object('id', v_id, 'recorded', v_id is not null);
end $$;

-- The user's active devices, oldest first (none for a disabled user).
create or replace function list_push_subscriptions(p_user_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(push_subscription_json(s) order by s.created_at, s.id), '[]'::jsonb)
  from push_subscriptions s
  join users u on u.id = s.user_id and u.disabled_at is null
  where s.user_id = p_user_id and s.expired_at is null
$$;

-- One of the user's devices, active or expired; null when it is not theirs.
create or replace function get_push_subscription(p_user_id uuid, p_id uuid) returns jsonb
language sql stable as $$
  select push_subscription_json(s) from push_subscriptions s where s.id = p_id and s.user_id = p_user_id
$$;
