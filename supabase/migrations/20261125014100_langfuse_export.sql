-- Langfuse export of the usage ledger (on only when LANGFUSE_* are set). Each
-- ledger row is sent once as a generation under a trace per task; the mark
-- is set only after Langfuse accepted it, so a crash or an outage resends,
-- and Langfuse's own ids (the ledger row's id) make a resend harmless.

alter table usage_records add column langfuse_exported_at timestamptz;
create index usage_records_langfuse_pending_idx on usage_records (created_at, id) where langfuse_exported_at is null;

create or replace function langfuse_pending_usage(p_limit int) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', u.id, 'task_id', u.task_id, 'task_title', t.title, 'workspace_slug', w.slug,
           'agent_id', u.agent_id, 'agent_name', a.name, 'session_key', u.session_key, 'run_id', u.run_id,
           'source', u.source, 'model', u.model, 'input_tokens', u.input_tokens, 'output_tokens', u.output_tokens,
           'cache_read_tokens', u.cache_read_tokens, 'cache_write_tokens', u.cache_write_tokens,
           'cost_usd', u.cost_usd, 'provenance', u.provenance, 'created_at', u.created_at)
         order by u.created_at, u.id), '[]'::jsonb)
  from (select * from usage_records where langfuse_exported_at is null
        order by created_at, id limit least(greatest(p_limit, 1), 500)) u
  left join tasks t on t.id = u.task_id
  left join workspaces w on w.id = u.workspace_id
  left join agents a on a.id = u.agent_id
$$;

-- p_ids: a JSON array of ledger ids Langfuse has taken.
create or replace function mark_langfuse_exported(p_ids jsonb) returns jsonb
language sql as $$
  with marked as (
    update usage_records set langfuse_exported_at = now()
    where id in (select (x #>> '{}')::uuid from jsonb_array_elements(coalesce(p_ids, '[]'::jsonb)) x)
      and langfuse_exported_at is null
    returning 1
  )
  select jsonb_build_object('marked', (select count(*)::int from marked))
$$;
