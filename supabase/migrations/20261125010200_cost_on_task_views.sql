-- Where operators see cost: cards carry the cost's provenance (so the board
-- can mark an estimate), the task page a per-run breakdown and its budget.

create or replace function task_card_json(t tasks, a agents) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority,
    'due_at', t.due_at, 'alert_reason', t.alert_reason, 'created_at', t.created_at,
    'updated_at', t.updated_at, 'status_changed_at', t.status_changed_at,
    'token_usage', t.token_usage, 'estimated_cost', t.estimated_cost, 'cost_provenance', t.cost_provenance,
    'assignee', case when a.id is null then null
                     else jsonb_build_object('id', a.id, 'name', a.name, 'emoji', a.emoji, 'status', a.status) end)
$$;

create or replace function get_task_by_id(p_task_id uuid) returns jsonb
language sql stable as $$
  select task_card_json(t, a) || jsonb_build_object(
    'workspace_id', t.workspace_id, 'description', t.description,
    'workspace', jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name, 'icon', w.icon),
    'allowed_statuses', (select coalesce(jsonb_agg(to_status order by to_status), '[]'::jsonb)
                         from task_transitions where from_status = t.status),
    'assignee_openclaw_id', a.openclaw_agent_id,
    'planning_spec', t.planning_spec, 'session_key', t.session_key, 'run_id', t.current_run_id,
    'dispatch_attempts', t.dispatch_attempts, 'last_dispatch_error', t.last_dispatch_error,
    'next_dispatch_at', t.next_dispatch_at, 'lease_expires_at', t.lease_expires_at, 'dispatched_at', t.dispatched_at,
    'test_step', t.test_step,
    'activities', (select coalesce(jsonb_agg(jsonb_build_object(
                      'id', x.id, 'type', x.type, 'message', x.message, 'metadata', x.metadata,
                      'actor_type', x.actor_type, 'actor_name', x.actor_name, 'created_at', x.created_at)
                    order by x.created_at desc, x.id), '[]'::jsonb)
                   from (select * from task_activities where task_id = t.id order by created_at desc limit 200) x),
    'deliverables', (select coalesce(jsonb_agg(jsonb_build_object(
                        'id', d.id, 'type', d.type, 'title', d.title, 'path', d.path, 'url', d.url,
                        'description', d.description, 'created_at', d.created_at)
                      order by d.created_at desc, d.id), '[]'::jsonb)
                     from task_deliverables d where d.task_id = t.id),
    'usage', (select coalesce(jsonb_agg(jsonb_build_object(
                 'source', u.source, 'run_id', u.run_id, 'model', u.model, 'input_tokens', u.input_tokens,
                 'output_tokens', u.output_tokens, 'cache_read_tokens', u.cache_read_tokens,
                 'cache_write_tokens', u.cache_write_tokens, 'cost_usd', u.cost_usd, 'provenance', u.provenance,
                 'price_version', u.price_version, 'created_at', u.created_at) order by u.created_at), '[]'::jsonb)
              from usage_records u where u.task_id = t.id),
    'usage_runs', (select coalesce(jsonb_agg(r order by r->>'first_at'), '[]'::jsonb) from (
                     select jsonb_build_object(
                       'run_id', u.run_id, 'records', count(*), 'first_at', min(u.created_at),
                       'models', jsonb_agg(distinct u.model) filter (where u.model <> ''),
                       'input_tokens', sum(u.input_tokens), 'output_tokens', sum(u.output_tokens),
                       'cache_read_tokens', sum(u.cache_read_tokens), 'cache_write_tokens', sum(u.cache_write_tokens),
                       'cost_usd', sum(u.cost_usd),
                       'provenance', (array_agg(u.provenance order by provenance_rank(u.provenance) desc))[1],
                       'price_versions', jsonb_agg(distinct u.price_version) filter (where u.price_version is not null)) as r
                     from usage_records u where u.task_id = t.id group by u.run_id) runs),
    'budget', budget_status('task', t.id),
    'approvals', (select coalesce(jsonb_agg(approval_json(ap) order by ap.created_at desc), '[]'::jsonb)
                  from approvals ap where ap.task_id = t.id))
  from tasks t
  join workspaces w on w.id = t.workspace_id
  left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id
$$;

-- A task refused for its budget needs a human (raise the budget, retry).
create or replace function get_needs_you(p_workspace_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(task_card_json(t, ag) || jsonb_build_object('pending_approvals', coalesce(p.n, 0))
                            order by t.priority_rank, t.updated_at desc), '[]'::jsonb)
  from (
    select t0.* from tasks t0
    where t0.workspace_id = p_workspace_id
      and (t0.alert_reason in ('dispatch_failed', 'stalled', 'checks_failed', 'no_checkable_deliverable', 'run_failed', 'lease_expired', 'budget_exceeded')
           or exists (select 1 from approvals ap where ap.task_id = t0.id and ap.status = 'pending' and ap.expires_at > now()))
    order by t0.priority_rank, t0.updated_at desc
    limit least(greatest(p_limit, 1), 100)
  ) t
  left join agents ag on ag.id = t.assigned_agent_id
  left join lateral (select count(*)::int as n from approvals ap where ap.task_id = t.id and ap.status = 'pending' and ap.expires_at > now()) p on true
$$;
