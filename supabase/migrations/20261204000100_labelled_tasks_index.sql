-- The filter bar's label list reads only the tasks that carry a label, not
-- every task of the workspace (list_task_labels).
create index tasks_labelled_idx on tasks (workspace_id) where labels <> '{}' and deleted_at is null;
