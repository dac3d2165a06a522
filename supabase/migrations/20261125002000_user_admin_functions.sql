-- Admin user management. The rules that keep an instance manageable are
-- enforced here: there is always at least one active admin, and an admin
-- cannot demote or disable themselves.

create or replace function list_users() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role, 'disabled', u.disabled_at is not null,
    'created_at', u.created_at,
    'sessions', (select count(*)::int from sessions s where s.user_id = u.id and s.expires_at > now()),
    'last_seen_at', (select max(last_seen_at) from sessions s where s.user_id = u.id)) order by u.created_at), '[]'::jsonb)
  from users u
$$;

create or replace function create_user(p_email text, p_name text, p_role text, p_password_hash text) returns jsonb
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
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'role', v_user.role);
end $$;

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
  update users set role = p_role where id = p_user_id returning * into v_user;
  return jsonb_build_object('id', v_user.id, 'role', v_user.role);
end $$;

create or replace function set_user_disabled(p_user_id uuid, p_disabled boolean, p_actor_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
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
  end if;
  return jsonb_build_object('id', p_user_id, 'disabled', p_disabled);
end $$;

-- "Sign out everywhere": every session of the user ends now.
create or replace function end_user_sessions(p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_count int;
begin
  delete from sessions where user_id = p_user_id;
  get diagnostics v_count = row_count;
  return jsonb_build_object('ended', v_count);
end $$;

create or replace function set_user_password(p_user_id uuid, p_password_hash text) returns jsonb
language plpgsql as $$
begin
  update users set password_hash = p_password_hash where id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  delete from sessions where user_id = p_user_id;
  return jsonb_build_object('id', p_user_id);
end $$;
