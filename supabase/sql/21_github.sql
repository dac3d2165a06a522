-- GitHub issues become tasks; a task that reaches done comments back on its
-- issue (decision 053). The webhook (app/routes/api/webhooks/github.ts)
-- verifies the signature with the integration's secret, writes the issue's
-- fields in task terms (app/domain/github.ts) and calls
-- apply_github_issue_event, which remembers the delivery, refuses an issue
-- state older than the one applied, and creates or updates the linked task in
-- one transaction. The comment back is an outbox row written by a trigger in
-- the transaction that moves the task to done; the notification sender's
-- timer claims it with a lease, posts it, and reports the attempt here.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- An integration as the settings page shows it: the secrets only as their last four characters.
create or replace function github_integration_json(g github_integrations) returns jsonb
language sql stable as $$
  select jsonb_build_object('repository', g.repository, 'label_types', g.label_types,
                            'secret_hint', right(g.webhook_secret, 4), 'has_token', g.token is not null,
                            'token_hint', case when g.token is not null then right(g.token, 4) end,
                            'created_at', g.created_at, 'updated_at', g.updated_at,
                            'pending_comments', (select count(*) from github_comment_outbox o
                                                 where o.workspace_id = g.workspace_id and o.status = 'pending'),
                            'recent_comments', (select coalesce(jsonb_agg(jsonb_build_object(
                                                  'id', o.id, 'issue_number', o.issue_number, 'status', o.status, 'attempts', o.attempts,
                                                  'last_error', o.last_error, 'last_status_code', o.last_status_code, 'comment_url', o.comment_url,
                                                  'deliver_after', o.deliver_after, 'created_at', o.created_at, 'sent_at', o.sent_at,
                                                  'title', o.facts->>'title') order by o.created_at desc), '[]'::jsonb)
                                                from (select * from github_comment_outbox where workspace_id = g.workspace_id
                                                      order by created_at desc limit 10) o))
$$;

-- The settings page's read: the workspace's integration, or null.
create or replace function get_github_integration(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select github_integration_json(g) from github_integrations g where g.workspace_id = p_workspace_id
$$;

-- The webhook's read: which workspace takes this repository's issues, and
-- the secret that verifies its deliveries. Not for pages.
create or replace function github_integration_for_repository(p_repository text) returns jsonb
language sql stable as $$
  select jsonb_build_object('workspace_id', g.workspace_id, 'repository', g.repository,
                            'webhook_secret', g.webhook_secret, 'label_types', g.label_types)
  from github_integrations g where lower(g.repository) = lower(p_repository)
$$;

-- Connects a workspace to a repository, or changes its settings, admins
-- only. p_fields: repository, label_types (label -> task type key),
-- webhook_secret (null keeps the stored one; required on the first save),
-- token (null keeps it), clear_token (true removes it). Audited without the secrets.
create or replace function save_github_integration(p_workspace_id uuid, p_user_id uuid, p_fields jsonb) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_old github_integrations;
  v_new github_integrations;
  v_repository text := btrim(coalesce(p_fields->>'repository', ''));
  v_types jsonb := coalesce(p_fields->'label_types', '{}'::jsonb);
  v_unknown text;
  v_actor jsonb;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role <> 'admin' then
    perform raise_app_error('forbidden', 'Only admins connect a workspace to GitHub.');
  end if;
  if not exists (select 1 from workspaces where id = p_workspace_id) then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  if v_repository !~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' or char_length(v_repository) > 140 then
    perform raise_app_error('invalid', 'The repository is owner/name.',
      jsonb_build_object('fields', jsonb_build_object('repository', 'Give the repository as owner/name')));
  end if;
  if exists (select 1 from github_integrations where lower(repository) = lower(v_repository) and workspace_id <> p_workspace_id) then
    perform raise_app_error('conflict', format('%s already sends its issues to another workspace.', v_repository),
      jsonb_build_object('fields', jsonb_build_object('repository', 'Another workspace takes this repository''s issues')));
  end if;
  if jsonb_typeof(v_types) <> 'object' or exists (select 1 from jsonb_each(v_types) t where jsonb_typeof(t.value) <> 'string') then
    perform raise_app_error('invalid', 'Labels map to task type keys.',
      jsonb_build_object('fields', jsonb_build_object('label_types', 'Write one label = task type key a line')));
  end if;
  select t.value #>> '{}' into v_unknown from jsonb_each(v_types) t
  where not exists (select 1 from task_types k where k.key = t.value #>> '{}') limit 1;
  if found then
    perform raise_app_error('invalid', format('Unknown task type: %s.', v_unknown),
      jsonb_build_object('fields', jsonb_build_object('label_types', format('Unknown task type: %s', v_unknown))));
  end if;
  select * into v_old from github_integrations where workspace_id = p_workspace_id for update;
  if v_old.workspace_id is null and nullif(p_fields->>'webhook_secret', '') is null then
    perform raise_app_error('invalid', 'A new connection needs a webhook secret.',
      jsonb_build_object('fields', jsonb_build_object('webhook_secret', 'Enter the webhook secret or have one generated')));
  end if;
  insert into github_integrations (workspace_id, repository, webhook_secret, token, label_types)
  values (p_workspace_id, v_repository, coalesce(nullif(p_fields->>'webhook_secret', ''), v_old.webhook_secret),
          case when coalesce((p_fields->>'clear_token')::boolean, false) then null else coalesce(nullif(p_fields->>'token', ''), v_old.token) end,
          v_types)
  on conflict (workspace_id) do update set
    repository = excluded.repository, webhook_secret = excluded.webhook_secret, token = excluded.token,
    label_types = excluded.label_types, updated_at = now()
  returning * into v_new;
  v_actor := jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name);
  perform append_audit('workspace.github_changed', v_actor, jsonb_build_object('workspace_id', p_workspace_id),
    jsonb_build_object('repository', jsonb_build_object('from', v_old.repository, 'to', v_new.repository),
                       'label_types', v_new.label_types,
                       'secret_changed', v_old.webhook_secret is distinct from v_new.webhook_secret,
                       'token_changed', v_old.token is distinct from v_new.token, 'has_token', v_new.token is not null));
  return github_integration_json(v_new);
end $$;

-- Disconnects the workspace: its deliveries are refused from now on, and
-- comments still waiting are dropped. Links stay on their tasks.
create or replace function delete_github_integration(p_workspace_id uuid, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_old github_integrations;
  v_dropped int;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role <> 'admin' then
    perform raise_app_error('forbidden', 'Only admins connect a workspace to GitHub.');
  end if;
  delete from github_integrations where workspace_id = p_workspace_id returning * into v_old;
  if not found then
    perform raise_app_error('not_found', 'This workspace is not connected to GitHub.');
  end if;
  delete from github_comment_outbox where workspace_id = p_workspace_id and status = 'pending';
  get diagnostics v_dropped = row_count;
  perform append_audit('workspace.github_disconnected', jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name),
    jsonb_build_object('workspace_id', p_workspace_id), jsonb_build_object('repository', v_old.repository, 'dropped_comments', v_dropped));
  return jsonb_build_object('workspace_id', p_workspace_id, 'deleted', true, 'dropped_comments', v_dropped);
end $$;

-- One issues event, in one transaction. p_issue (app/domain/github.ts):
-- repository, number, url, updated_at, title, description, labels (task
-- labels), task_type_key (or null), state. The delivery id is remembered
-- ('github:<id>' in webhook_deliveries): a repeat answers duplicate and
-- writes nothing. The issue's updated_at stands in for the signed timestamp
-- GitHub does not send: more than p_window_s old (or 300 s ahead) is refused,
-- and a state no newer than the one applied to the task (an older delivery
-- arriving late, or a captured body sent again under a new delivery id) is
-- acknowledged as stale and writes nothing.
create or replace function apply_github_issue_event(p_workspace_id uuid, p_delivery_id text, p_action text, p_issue jsonb, p_window_s int)
returns jsonb language plpgsql as $$
declare
  v_key text := 'github:' || p_delivery_id;
  v_actor jsonb := '{"type":"system","name":"GitHub"}'::jsonb;
  v_updated timestamptz := (p_issue->>'updated_at')::timestamptz;
  v_number int := (p_issue->>'number')::int;
  v_ref text := format('%s#%s', p_issue->>'repository', p_issue->>'number');
  v_link github_issue_links;
  v_task tasks;
  v_type uuid;
  v_result jsonb;
  v_created jsonb;
  v_changed jsonb := '[]'::jsonb;
  v_note text;
begin
  if char_length(v_key) > 200 then
    perform raise_app_error('invalid', 'X-GitHub-Delivery is too long.');
  end if;
  if exists (select 1 from webhook_deliveries where delivery_id = v_key) then
    return jsonb_build_object('duplicate', true);
  end if;
  if v_updated < now() - make_interval(secs => p_window_s) or v_updated > now() + interval '300 seconds' then
    perform raise_app_error('unprocessable',
      format('The issue''s updated_at (%s) is outside the %s s window: a replay or a late redelivery. Nothing was changed.', p_issue->>'updated_at', p_window_s));
  end if;
  if not exists (select 1 from github_integrations where workspace_id = p_workspace_id and lower(repository) = lower(p_issue->>'repository')) then
    perform raise_app_error('not_found', 'This workspace takes no issues from that repository.');
  end if;
  select id into v_type from task_types where key = p_issue->>'task_type_key';

  select * into v_link from github_issue_links
  where workspace_id = p_workspace_id and lower(repository) = lower(p_issue->>'repository') and issue_number = v_number
  for update;
  if not found then
    if p_issue->>'state' = 'closed' then
      v_result := jsonb_build_object('ignored', 'closed_issue_without_task');
    else
      v_created := create_task(p_workspace_id, jsonb_build_object('title', p_issue->>'title', 'description', p_issue->>'description',
                                                                  'labels', p_issue->'labels', 'task_type_id', v_type), v_actor);
      insert into github_issue_links (task_id, workspace_id, repository, issue_number, issue_url, issue_updated_at)
      values ((v_created->>'id')::uuid, p_workspace_id, p_issue->>'repository', v_number, coalesce(p_issue->>'url', ''), v_updated);
      perform log_task_activity((v_created->>'id')::uuid, 'github.linked', format('From GitHub issue %s', v_ref),
                                jsonb_build_object('repository', p_issue->>'repository', 'issue_number', v_number, 'url', p_issue->>'url'), v_actor);
      v_result := jsonb_build_object('task_id', v_created->>'id', 'outcome', 'created');
    end if;
  elsif v_updated <= v_link.issue_updated_at then
    v_result := jsonb_build_object('task_id', v_link.task_id, 'outcome', 'stale');
  else
    update github_issue_links set issue_updated_at = v_updated, issue_url = coalesce(p_issue->>'url', issue_url) where task_id = v_link.task_id;
    select * into v_task from tasks where id = v_link.task_id;
    if v_task.deleted_at is not null then
      v_result := jsonb_build_object('task_id', v_task.id, 'outcome', 'ignored', 'ignored', 'task_deleted');
    else
      v_changed := coalesce(update_task(v_task.id, jsonb_build_object('title', p_issue->>'title', 'description', p_issue->>'description',
                                                                      'labels', p_issue->'labels'), v_actor)->'changed', '[]'::jsonb);
      if v_type is distinct from v_task.task_type_id and v_type is not null then
        -- A type that lowers the task's governance needs an approver; GitHub is not one.
        begin
          v_changed := v_changed || coalesce(update_task(v_task.id, jsonb_build_object('task_type_id', v_type), v_actor)->'changed', '[]'::jsonb);
        exception when others then
          perform log_task_activity(v_task.id, 'github.type_kept',
            format('The issue''s labels ask for the type %s; the type was kept: %s', p_issue->>'task_type_key', sqlerrm), '{}'::jsonb, v_actor);
        end;
      end if;
      select * into v_task from tasks where id = v_task.id;
      if p_action = 'closed' or (p_issue->>'state' = 'closed' and v_task.status <> 'cancelled') then
        if v_task.status in ('planning', 'inbox', 'assigned') then
          v_changed := v_changed || coalesce(update_task(v_task.id, '{"status":"cancelled"}'::jsonb, v_actor)->'changed', '[]'::jsonb);
        elsif p_action = 'closed' and v_task.status not in ('done', 'cancelled') then
          v_note := format('Issue %s was closed on GitHub; the task was already %s and goes on.', v_ref, status_label(v_task.status));
        end if;
      elsif p_action = 'reopened' and v_task.status = 'cancelled' then
        v_changed := v_changed || coalesce(update_task(v_task.id, '{"status":"inbox"}'::jsonb, v_actor)->'changed', '[]'::jsonb);
      elsif p_action = 'reopened' then
        v_note := format('Issue %s was reopened on GitHub; the task is %s.', v_ref, status_label(v_task.status));
      end if;
      if v_note is not null then
        perform log_task_activity(v_task.id, 'github.issue_' || p_action, v_note, jsonb_build_object('url', p_issue->>'url'), v_actor);
      end if;
      v_result := jsonb_build_object('task_id', v_task.id, 'outcome', case when v_changed = '[]'::jsonb then 'unchanged' else 'updated' end,
                                     'changed', (select coalesce(jsonb_agg(distinct c order by c), '[]'::jsonb) from jsonb_array_elements_text(v_changed) c));
    end if;
  end if;
  -- A stale state wrote nothing, so its delivery is not remembered either: sent again, it is stale again.
  if v_result->>'outcome' is distinct from 'stale' then
    insert into webhook_deliveries (delivery_id, task_id, result)
    values (v_key, (v_result->>'task_id')::uuid, v_result || jsonb_build_object('action', p_action));
  end if;
  return v_result;
end $$;

-- AFTER UPDATE OF status on tasks (bound below): a linked task that reaches
-- done leaves a comment for its issue in the outbox, in the same transaction
-- as the move. Without a token there is no one to post it: nothing is queued.
create or replace function enqueue_github_done_comment() returns trigger
language plpgsql as $$
declare
  v_link github_issue_links;
begin
  select l.* into v_link from github_issue_links l
  join github_integrations g on g.workspace_id = l.workspace_id and lower(g.repository) = lower(l.repository) and g.token is not null
  where l.task_id = new.id;
  if not found then
    return null;
  end if;
  insert into github_comment_outbox (task_id, workspace_id, repository, issue_number, facts)
  select new.id, new.workspace_id, v_link.repository, v_link.issue_number,
         jsonb_strip_nulls(jsonb_build_object(
           'task_id', new.id, 'title', new.title, 'workspace_slug', w.slug, 'workspace_name', w.name,
           'done_at', now(), 'token_usage', new.token_usage, 'estimated_cost', new.estimated_cost,
           'summary', (select left(a.message, 2000) from task_activities a where a.task_id = new.id and a.type = 'completed'
                       order by a.created_at desc limit 1)))
  from workspaces w where w.id = new.workspace_id;
  return null;
end $$;

create or replace trigger tasks_github_done_comment after update of status on tasks
  for each row when (new.status = 'done' and old.status is distinct from 'done')
  execute function enqueue_github_done_comment();

-- Claims up to p_limit due comments for p_holder until the lease ends, with
-- the token that posts them. Rows another sender holds are skipped; a row
-- whose holder died is claimable again once its lease has passed. A comment
-- whose workspace lost its token waits, unclaimed, until one is set.
create or replace function claim_github_comments(p_holder text, p_limit int, p_lease_seconds int) returns jsonb
language sql as $$
  with due as (
    select o.id from github_comment_outbox o
    where o.status = 'pending' and o.deliver_after <= now() and (o.lease_until is null or o.lease_until < now())
      and exists (select 1 from github_integrations g where g.workspace_id = o.workspace_id and g.token is not null)
    order by o.deliver_after
    limit greatest(p_limit, 0)
    for update of o skip locked
  ), claimed as (
    update github_comment_outbox o
       set lease_holder = p_holder, lease_until = now() + make_interval(secs => p_lease_seconds), attempts = o.attempts + 1
      from due where o.id = due.id
    returning o.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', c.id, 'repository', c.repository, 'issue_number', c.issue_number, 'facts', c.facts,
           'attempt', c.attempts, 'created_at', c.created_at, 'token', g.token) order by c.deliver_after), '[]'::jsonb)
  from claimed c
  join github_integrations g on g.workspace_id = c.workspace_id
$$;

-- The outcome of one attempt by the row's holder: sent (with the comment's
-- address), or due again after p_retry_seconds. An attempt whose lease was
-- lost to another sender records nothing.
create or replace function finish_github_comment(p_id uuid, p_holder text, p_ok boolean, p_status_code int, p_error text,
                                                 p_retry_seconds numeric, p_comment_url text)
returns jsonb language plpgsql as $$
declare
  v_row github_comment_outbox;
begin
  if p_ok then
    update github_comment_outbox
       set status = 'sent', sent_at = now(), lease_holder = null, lease_until = null, last_error = null,
           last_status_code = p_status_code, comment_url = left(p_comment_url, 500)
     where id = p_id and status = 'pending' and lease_holder = p_holder
    returning * into v_row;
    -- The task's timeline says where its comment went.
    if v_row.id is not null and exists (select 1 from tasks where id = v_row.task_id) then
      perform log_task_activity(v_row.task_id, 'github.commented', format('Commented on GitHub issue %s#%s', v_row.repository, v_row.issue_number),
                                jsonb_build_object('url', v_row.comment_url), '{"type":"system","name":"GitHub"}'::jsonb);
    end if;
    return jsonb_build_object('id', p_id, 'recorded', v_row.id is not null, 'status', 'sent');
  else
    update github_comment_outbox
       set deliver_after = now() + make_interval(secs => greatest(p_retry_seconds, 0)::double precision),
           lease_holder = null, lease_until = null, last_error = left(p_error, 1000), last_status_code = p_status_code
     where id = p_id and status = 'pending' and lease_holder = p_holder;
  end if;
  return jsonb_build_object('id', p_id, 'recorded', found, 'status', case when p_ok then 'sent' else 'pending' end);
end $$;
