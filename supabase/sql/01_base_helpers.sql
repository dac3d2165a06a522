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

-- Words for the texts people read that SQL writes (activity messages): a
-- status by its label, as app/domain/task-status.ts names it (a unit test
-- keeps the two lists equal), and a task field by what the form calls it.
-- The machine-readable keys stay in the activity's metadata.
create or replace function status_label(p_status text) returns text
language sql immutable as $$
  select case p_status
    when 'planning' then 'Planning'
    when 'inbox' then 'Inbox'
    when 'assigned' then 'Assigned'
    when 'in_progress' then 'In progress'
    when 'testing' then 'Testing'
    when 'review' then 'Review'
    when 'done' then 'Done'
    when 'cancelled' then 'Cancelled'
    else p_status
  end
$$;

create or replace function task_field_label(p_field text) returns text
language sql immutable as $$
  select case p_field
    when 'assigned_agent_id' then 'assignee'
    when 'due_at' then 'due date'
    when 'task_type_id' then 'task type'
    else replace(p_field, '_', ' ')
  end
$$;

-- Dollars in a message as app/domain/money.ts writes them on pages:
-- "$1,234.50", "<$0.01" for a non-zero amount under half a cent.
create or replace function money_label(p_amount numeric) returns text
language sql immutable as $$
  select case
    when p_amount is null then 'no cost'
    when p_amount <> 0 and abs(p_amount) < 0.005 then case when p_amount > 0 then '<$0.01' else '-<$0.01' end
    when p_amount < 0 then '-' || to_char(abs(p_amount), 'FM$999,999,999,990.00')
    else to_char(p_amount, 'FM$999,999,999,990.00')
  end
$$;
