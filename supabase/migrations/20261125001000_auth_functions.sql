-- Operators: first-run set-up, login lookups and sessions.

create or replace function count_users() returns jsonb
language sql stable as $$
  select jsonb_build_object('users', (select count(*)::int from users))
$$;

create or replace function set_setup_token(p_token_hash text) returns jsonb
language plpgsql as $$
begin
  insert into app_settings (key, value) values ('setup_token_hash', p_token_hash)
  on conflict (key) do update set value = excluded.value, updated_at = now();
  return jsonb_build_object('ok', true);
end $$;

create or replace function check_setup_token(p_token_hash text) returns jsonb
language sql stable as $$
  select jsonb_build_object('valid',
    not exists (select 1 from users)
    and exists (select 1 from app_settings where key = 'setup_token_hash' and value = p_token_hash))
$$;

-- Creates the first admin exactly once: the set-up token must match and no
-- user may exist yet (the table lock makes two racing set-ups safe).
create or replace function create_first_admin(p_setup_token_hash text, p_email text, p_name text, p_password_hash text)
returns jsonb language plpgsql as $$
declare
  v_user users;
begin
  lock table users in exclusive mode;
  if exists (select 1 from users) then
    perform raise_app_error('conflict', 'Set-up is already complete. Sign in instead.');
  end if;
  if not exists (select 1 from app_settings where key = 'setup_token_hash' and value = p_setup_token_hash) then
    perform raise_app_error('forbidden', 'This set-up link is not valid. Restart the server to print a new one.');
  end if;
  insert into users (email, name, role, password_hash) values (lower(p_email), btrim(p_name), 'admin', p_password_hash)
  returning * into v_user;
  delete from app_settings where key = 'setup_token_hash';
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role);
end $$;

create or replace function get_login_user(p_email text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'email', email, 'name', name, 'role', role,
                            'password_hash', password_hash, 'disabled', disabled_at is not null)
  from users where email = lower(p_email)
$$;

create or replace function create_session(p_token_hash text, p_user_id uuid, p_ttl_seconds int, p_user_agent text)
returns jsonb language plpgsql as $$
begin
  delete from sessions where user_id = p_user_id and expires_at < now();
  insert into sessions (token_hash, user_id, expires_at, user_agent)
  values (p_token_hash, p_user_id, now() + make_interval(secs => p_ttl_seconds), left(p_user_agent, 400));
  return jsonb_build_object('ok', true);
end $$;

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
    where token_hash = p_token_hash;
  end if;
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role);
end $$;

create or replace function delete_session(p_token_hash text) returns jsonb
language sql as $$
  delete from sessions where token_hash = p_token_hash;
  select jsonb_build_object('ok', true);
$$;
