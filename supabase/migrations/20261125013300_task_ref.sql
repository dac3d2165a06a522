-- The completion webhook only needs to know the task exists (404 before the
-- 202); get_task_by_id also builds its activity log and deliverables, which
-- grows with every activity the agent posted.
create or replace function get_task_ref(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'status', status, 'workspace_id', workspace_id) from tasks where id = p_task_id
$$;
