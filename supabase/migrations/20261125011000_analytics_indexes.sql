-- Indexes for the cost and analytics aggregates (docs/ANALYTICS.md).
-- usage_records already has (workspace_id, created_at) for one workspace's
-- window; the cross-workspace overview reads every workspace's last 30 days.
create index if not exists usage_records_created_idx on usage_records (created_at);

-- Tasks that reached done, by when: the agent performance period filter.
create index if not exists tasks_done_at_idx on tasks (workspace_id, status_changed_at) where status = 'done';

-- The few activity types the figures read (hand-ins, rework, first dispatch),
-- per task in time order.
create index if not exists task_activities_flow_idx on task_activities (task_id, created_at)
  where type in ('dispatched', 'status_changed', 'completed', 'checks_fail');

-- Approvals per workspace period go through tasks; this keeps the time filter on the index.
create index if not exists approvals_created_idx on approvals (created_at);
