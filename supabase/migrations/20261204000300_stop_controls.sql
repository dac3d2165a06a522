-- Stop that stops (decision 035): an emergency stop for the whole
-- installation, and a pause per workspace and per agent. While any of them
-- holds, nothing is dispatched (dispatch_halt, supabase/sql/11_dispatch.sql).

-- One row at most; no row means no emergency stop was ever set.
create table installation_controls (
  id boolean primary key default true check (id),
  emergency_stop_at timestamptz,
  emergency_stop_by uuid references users(id) on delete set null,
  emergency_stop_reason text check (char_length(emergency_stop_reason) <= 500)
);

alter table installation_controls enable row level security;

alter table workspaces add column paused_at timestamptz, add column paused_by uuid references users(id) on delete set null;
alter table agents add column paused_at timestamptz, add column paused_by uuid references users(id) on delete set null;
