-- Sign-in lockouts and set-up links that hold across instances on one
-- database and across restarts (docs/decisions/017).

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

-- Set-up links: every instance that starts while no user exists prints a
-- link of its own, and each stays valid until it expires or the first admin
-- is created (which voids them all). Before, each start replaced the one
-- stored token, voiding the links other instances had printed.
create table setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
alter table setup_tokens enable row level security;

-- A link printed before this migration keeps working for a day.
insert into setup_tokens (token_hash, expires_at)
select value, now() + interval '24 hours' from app_settings
where key = 'setup_token_hash' and not exists (select 1 from users);
delete from app_settings where key = 'setup_token_hash';

drop function if exists set_setup_token(text);

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
  return jsonb_build_object('id', v_user.id, 'email', v_user.email, 'name', v_user.name, 'role', v_user.role);
end $$;
