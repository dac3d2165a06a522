-- Base helpers used by every area: updated_at maintenance, the error
-- convention the app maps to HTTP statuses (SQLSTATE P0001 with the app's
-- error code as the hint), and ping.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;

-- Raise a domain error the data layer turns into a 4xx:
--   hint = 'not_found' | 'conflict' | 'invalid' | 'forbidden', detail = JSON details.
create or replace function raise_app_error(p_code text, p_message text, p_details jsonb default null)
returns void language plpgsql as $$
begin
  raise exception using
    errcode = 'P0001',
    message = p_message,
    hint = p_code,
    detail = coalesce(p_details, '{}'::jsonb)::text;
end $$;

create or replace function ping() returns jsonb
language sql stable as $$
  select jsonb_build_object('ok', true, 'at', now());
$$;
