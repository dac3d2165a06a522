-- Only where the anon role exists (Supabase): PostgREST lets anyone holding the
-- project's public anon key call any function PUBLIC may execute. No EXECUTE
-- for PUBLIC, anon or authenticated on the functions that exist now, nor on
-- those supabase/sql creates after the migrations as the same owner (default
-- privileges); the service role keeps them. PUBLIC's EXECUTE on new functions
-- is a global default, which a per-schema revoke cannot take away, so it is
-- revoked globally for this owner. This is a migration of its own, after the
-- baseline, so that a database built by the earlier per-table migrations,
-- which are taken over without running the baseline, gets it too.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    return;
  end if;
  execute 'revoke execute on all functions in schema public from public, anon, authenticated';
  execute 'alter default privileges revoke execute on functions from public';
  execute 'alter default privileges in schema public revoke execute on functions from public, anon, authenticated';
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on all functions in schema public to service_role';
    execute 'alter default privileges in schema public grant execute on functions to service_role';
  end if;
end $$;
