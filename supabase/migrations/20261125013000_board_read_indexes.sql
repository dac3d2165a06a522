-- Board reads that stay flat as a workspace grows (measured by `npm run bench`).
--
-- get_board sorted each column by an expression over the VALUES row
-- (s.status), which no index can match, so the done column (80% of a
-- mature workspace) was read and sorted in full on every board load: 28 ms
-- at 20,000 tasks. The same expression over the task's own status, with an
-- index in that order, turns each column into a short index range scan
-- (8 ms). Only that one word changes below.
create index tasks_board_order_idx on tasks
  (workspace_id, status, (case when status in ('done', 'cancelled') then 0 else priority_rank end), updated_at desc, id);

create or replace function get_board(p_workspace_id uuid, p_limits jsonb default '{}'::jsonb) returns jsonb
language sql stable as $$
  with statuses(status, ord) as (
    values ('planning', 1), ('inbox', 2), ('assigned', 3), ('in_progress', 4), ('testing', 5),
           ('review', 6), ('done', 7), ('cancelled', 8)
  ),
  counts as (
    select status, count(*)::int as n from tasks where workspace_id = p_workspace_id group by status
  )
  select jsonb_build_object(
    'counts', (select coalesce(jsonb_object_agg(s.status, coalesce(c.n, 0)), '{}'::jsonb)
               from statuses s left join counts c using (status)),
    'columns', (select jsonb_object_agg(s.status, coalesce(cards.list, '[]'::jsonb))
                from statuses s
                left join lateral (
                  select jsonb_agg(task_card_json(t, a) order by
                           case when s.status in ('done', 'cancelled') then 0 else t.priority_rank end,
                           t.updated_at desc, t.id) as list
                  from (
                    select * from tasks t0
                    where t0.workspace_id = p_workspace_id and t0.status = s.status
                    order by case when t0.status in ('done', 'cancelled') then 0 else t0.priority_rank end,
                             t0.updated_at desc, t0.id
                    limit greatest(0, least(1000, coalesce((p_limits->>s.status)::int,
                                   case when s.status in ('done', 'cancelled') then 20 else 50 end)))
                  ) t
                  left join agents a on a.id = t.assigned_agent_id
                ) cards on true)
  )
$$;

-- "Needs you" tested every task of the workspace against the alert list and
-- the approvals table (a sequential scan: 23 ms at 20,000 tasks). The
-- candidates are few: tasks with an alert (a small partial index) and tasks
-- with a pending approval (approvals_pending_idx). Same result, under 1 ms.
create index tasks_alert_idx on tasks (workspace_id) where alert_reason is not null;

create or replace function get_needs_you(p_workspace_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_card_json(t, ag) || jsonb_build_object('pending_approvals', coalesce(p.n, 0))
                            order by t.priority_rank, t.updated_at desc), '[]'::jsonb)
  from (
    select t0.* from tasks t0
    where t0.workspace_id = p_workspace_id
      and t0.id in (select t1.id from tasks t1
                    where t1.workspace_id = p_workspace_id and t1.alert_reason is not null
                      and t1.alert_reason in ('dispatch_failed', 'stalled', 'checks_failed', 'no_checkable_deliverable', 'run_failed', 'lease_expired', 'budget_exceeded')
                    union
                    select ap.task_id from approvals ap where ap.status = 'pending' and ap.expires_at > now())
    order by t0.priority_rank, t0.updated_at desc
    limit least(greatest(p_limit, 1), 100)
  ) t
  left join agents ag on ag.id = t.assigned_agent_id
  left join lateral (select count(*)::int as n from approvals ap where ap.task_id = t.id and ap.status = 'pending' and ap.expires_at > now()) p on true
$$;
