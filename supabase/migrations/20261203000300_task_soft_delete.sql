-- A deleted task stays restorable for an undo window (decision 031): it is
-- hidden everywhere while deleted_at is set, and purged after the window.
alter table tasks add column if not exists deleted_at timestamptz;

create index if not exists tasks_deleted_at_idx on tasks (deleted_at) where deleted_at is not null;
