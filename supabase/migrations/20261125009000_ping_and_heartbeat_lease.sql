-- For the Supabase HTTP transport (PostgREST .rpc() only, no sessions):
-- a cheap function to check that the schema is there, and a lease row that
-- stands in for the heartbeat's advisory lock. Harmless on every transport.

create or replace function ping() returns jsonb
language sql stable as $$
  select jsonb_build_object('ok', true, 'at', now());
$$;

-- One row: who runs the heartbeat and until when. A holder that dies simply
-- lets its lease expire; a live one renews it while it works.
create table if not exists heartbeat_lease (
  id boolean primary key default true check (id),
  holder text,
  expires_at timestamptz not null default '-infinity'
);

insert into heartbeat_lease (id) values (true) on conflict (id) do nothing;

-- Takes (or renews, for the same holder) the lease for p_seconds. Concurrent
-- callers serialise on the row: exactly one gets acquired = true.
create or replace function acquire_heartbeat_lease(p_holder text, p_seconds int) returns jsonb
language plpgsql as $$
declare
  v_row heartbeat_lease;
begin
  if coalesce(p_holder, '') = '' then
    perform raise_app_error('invalid', 'A lease holder is required.');
  end if;
  update heartbeat_lease
     set holder = p_holder,
         expires_at = clock_timestamp() + make_interval(secs => least(greatest(coalesce(p_seconds, 60), 1), 86400))
   where id and (holder is null or holder = p_holder or expires_at <= clock_timestamp())
  returning * into v_row;
  if found then
    return jsonb_build_object('acquired', true, 'holder', v_row.holder, 'expires_at', v_row.expires_at);
  end if;
  select * into v_row from heartbeat_lease where id;
  return jsonb_build_object('acquired', false, 'holder', v_row.holder, 'expires_at', v_row.expires_at);
end $$;

-- Gives the lease back if p_holder still has it.
create or replace function release_heartbeat_lease(p_holder text) returns jsonb
language plpgsql as $$
begin
  update heartbeat_lease set holder = null, expires_at = '-infinity' where id and holder = p_holder;
  return jsonb_build_object('released', found);
end $$;

-- On Supabase only (the anon role exists): PostgREST exposes the public
-- schema to anyone holding the project's public anon key. Keep these tables
-- and functions to the service role (and the owner, which the app uses over
-- DATABASE_URL): row-level security with no policies on every table, and no
-- EXECUTE for PUBLIC, anon or authenticated, now or for functions added later
-- by the same owner. Tables added by later migrations need their own
-- `enable row level security`. Plain PostgreSQL and PGlite are left as they are.
do $$
declare
  v_table text;
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    return;
  end if;
  for v_table in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'public' and c.relkind in ('r', 'p') loop
    execute format('alter table public.%I enable row level security', v_table);
  end loop;
  execute 'revoke execute on all functions in schema public from public, anon, authenticated';
  execute 'revoke all on all tables in schema public from anon, authenticated';
  execute 'revoke all on all sequences in schema public from anon, authenticated';
  execute 'alter default privileges in schema public revoke execute on functions from public, anon, authenticated';
  execute 'alter default privileges in schema public revoke all on tables from anon, authenticated';
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on all functions in schema public to service_role';
    execute 'grant all on all tables in schema public to service_role';
    execute 'grant all on all sequences in schema public to service_role';
  end if;
end $$;
