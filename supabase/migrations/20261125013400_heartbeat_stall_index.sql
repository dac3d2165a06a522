-- The heartbeat's stall check reads the oldest quiet tasks in progress; with
-- this index it reads just those instead of every task in progress (5 ms →
-- 0.6 ms with 4,000 tasks in progress, measured by `npm run bench`).
create index tasks_stall_idx on tasks (last_activity_at) where status = 'in_progress' and stall_flagged_at is null;
