-- Comments on tasks with @mentions (decision 045). A comment, its mentions,
-- its revision and its events are written by one function each, so a refused
-- mention or a foreign comment changes nothing.

-- The handle an agent answers to besides its OpenClaw id: its name in lower
-- case with runs of spaces as one dash ("Research Bot" → research-bot).
create or replace function agent_mention_handle(p_name text) returns text
language sql immutable as $$
  select lower(regexp_replace(btrim(p_name), '\s+', '-', 'g'))
$$;

-- Who each handle names: an agent of the workspace (its OpenClaw id or its
-- name's handle) or an active user (the e-mail address, or the part before
-- its @ when no other user shares it). An unknown handle, or one naming more
-- than one, is refused with every such handle named.
create or replace function resolve_comment_mentions(p_workspace_id uuid, p_handles jsonb) returns jsonb
language plpgsql stable as $$
declare
  v_handle text;
  v_found jsonb;
  v_out jsonb := '[]'::jsonb;
  v_unknown text[] := '{}';
  v_ambiguous text[] := '{}';
begin
  for v_handle in select lower(e.h) from jsonb_array_elements_text(coalesce(p_handles, '[]'::jsonb)) with ordinality e(h, n)
                  where btrim(e.h) <> '' group by lower(e.h) order by min(e.n) loop
    select coalesce(jsonb_agg(x), '[]'::jsonb) into v_found from (
      select jsonb_build_object('kind', 'agent', 'agent_id', a.id, 'user_id', null, 'name', a.name, 'handle', v_handle) x
      from agents a
      where a.workspace_id = p_workspace_id
        and (lower(a.openclaw_agent_id) = v_handle or agent_mention_handle(a.name) = v_handle)
      union all
      select jsonb_build_object('kind', 'user', 'agent_id', null, 'user_id', u.id, 'name', u.name, 'handle', v_handle)
      from users u
      where u.disabled_at is null and (u.email = v_handle or split_part(u.email, '@', 1) = v_handle)
    ) m;
    if jsonb_array_length(v_found) = 0 then
      v_unknown := v_unknown || v_handle;
    elsif jsonb_array_length(v_found) > 1 then
      v_ambiguous := v_ambiguous || v_handle;
    else
      v_out := v_out || v_found;
    end if;
  end loop;
  if cardinality(v_unknown) > 0 then
    perform raise_app_error('invalid',
      format('No agent or user is called %s.', (select string_agg('@' || h, ', ') from unnest(v_unknown) h)),
      jsonb_build_object('unknown', to_jsonb(v_unknown),
        'fields', jsonb_build_object('body', format('Unknown: %s', (select string_agg('@' || h, ', ') from unnest(v_unknown) h)))));
  end if;
  if cardinality(v_ambiguous) > 0 then
    perform raise_app_error('invalid',
      format('%s names more than one agent or user: write the agent''s OpenClaw id or the user''s full e-mail address.',
        (select string_agg('@' || h, ', ') from unnest(v_ambiguous) h)),
      jsonb_build_object('ambiguous', to_jsonb(v_ambiguous),
        'fields', jsonb_build_object('body', format('More than one match: %s', (select string_agg('@' || h, ', ') from unnest(v_ambiguous) h)))));
  end if;
  return v_out;
end $$;

create or replace function comment_mention_json(m task_comment_mentions) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', m.id, 'kind', case when m.agent_id is not null then 'agent' else 'user' end,
    'agent_id', m.agent_id, 'user_id', m.user_id, 'handle', m.handle,
    'openclaw_agent_id', (select a.openclaw_agent_id from agents a where a.id = m.agent_id),
    'name', coalesce((select a.name from agents a where a.id = m.agent_id), (select u.name from users u where u.id = m.user_id), m.handle),
    'delivery', m.delivery, 'run_id', m.run_id, 'delivered_at', m.delivered_at)
$$;

-- A comment as pages and agents read it: a deleted one keeps its place with no text.
create or replace function comment_json(c task_comments) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', c.id, 'task_id', c.task_id,
    'author', jsonb_build_object('type', c.author_type, 'id', coalesce(c.author_user_id, c.author_agent_id), 'name', c.author_name),
    'body', case when c.deleted_at is null then c.body else '' end,
    'in_reply_to', c.in_reply_to,
    'created_at', c.created_at, 'edited_at', c.edited_at, 'deleted_at', c.deleted_at,
    'revisions', (select count(*) from task_comment_revisions r where r.comment_id = c.id),
    'mentions', coalesce((select jsonb_agg(comment_mention_json(m) order by m.created_at, m.handle)
                          from task_comment_mentions m where m.comment_id = c.id), '[]'::jsonb))
$$;

-- A task's comments, oldest first; an edited one carries its earlier texts, newest first.
create or replace function list_task_comments(p_task_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(comment_json(c) || jsonb_build_object('history',
           case when c.deleted_at is null then
             coalesce((select jsonb_agg(jsonb_build_object('body', r.body, 'replaced_at', r.replaced_at) order by r.id desc)
                       from task_comment_revisions r where r.comment_id = c.id), '[]'::jsonb)
           else '[]'::jsonb end)
         order by c.created_at, c.id), '[]'::jsonb)
  from task_comments c
  where c.task_id = p_task_id
$$;

-- Records the mentions a comment's text makes (those it did not make before),
-- emits comment.mentioned for each user, and returns the new ones. An agent's
-- mention starts queued (the app delivers it into a running session and says
-- so); an agent's own comment records the agents it names without delivering
-- to them, so agents never talk each other into a loop.
create or replace function add_comment_mentions(p_comment task_comments, p_workspace_id uuid, p_handles jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_target jsonb;
  v_mention task_comment_mentions;
  v_out jsonb := '[]'::jsonb;
begin
  for v_target in select * from jsonb_array_elements(resolve_comment_mentions(p_workspace_id, p_handles)) loop
    if v_target->>'kind' = 'agent' and p_comment.author_agent_id is not distinct from (v_target->>'agent_id')::uuid then
      continue;
    end if;
    insert into task_comment_mentions (comment_id, agent_id, user_id, handle, delivery)
    values (p_comment.id, (v_target->>'agent_id')::uuid, (v_target->>'user_id')::uuid, left(v_target->>'handle', 254),
            case when v_target->>'kind' = 'user' then 'notified' when p_comment.author_type = 'agent' then 'none' else 'queued' end)
    on conflict do nothing
    returning * into v_mention;
    if v_mention.id is null then
      continue;
    end if;
    if v_mention.user_id is not null then
      perform emit_event('comment.mentioned', p_workspace_id, p_comment.task_id, null, p_actor,
        jsonb_build_object('comment_id', p_comment.id, 'task_id', p_comment.task_id, 'user_id', v_mention.user_id,
                           'mention_id', v_mention.id, 'excerpt', left(p_comment.body, 300)));
    end if;
    v_out := v_out || comment_mention_json(v_mention);
    v_mention := null;
  end loop;
  return v_out;
end $$;

-- The task a comment goes on: live, and in the workspace the writer is in.
create or replace function commented_task(p_task_id uuid, p_workspace_id uuid) returns tasks
language plpgsql stable as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and deleted_at is null;
  if not found or v_task.workspace_id <> p_workspace_id then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  return v_task;
end $$;

create or replace function check_comment_body(p_body text) returns void
language plpgsql immutable as $$
begin
  if p_body is null or btrim(p_body) = '' then
    perform raise_app_error('invalid', 'Write something first.', jsonb_build_object('fields', jsonb_build_object('body', 'Required')));
  end if;
  if char_length(p_body) > 10000 then
    perform raise_app_error('invalid', 'A comment is at most 10,000 characters.',
      jsonb_build_object('fields', jsonb_build_object('body', 'At most 10,000 characters')));
  end if;
end $$;

-- A new comment by p_actor (a user or an agent) with its mentions, in one
-- step. Returns {"comment", "new_mentions"}; the app delivers the agents'.
create or replace function create_task_comment(p_task_id uuid, p_workspace_id uuid, p_body text, p_mentions jsonb, p_in_reply_to uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_comment task_comments;
  v_mentions jsonb;
begin
  v_task := commented_task(p_task_id, p_workspace_id);
  if coalesce(p_actor->>'type', '') not in ('user', 'agent') or p_actor->>'id' is null then
    perform raise_app_error('forbidden', 'Only a signed-in user or an agent can comment.');
  end if;
  perform check_comment_body(p_body);
  if p_in_reply_to is not null and not exists (select 1 from task_comments where id = p_in_reply_to and task_id = v_task.id) then
    perform raise_app_error('invalid', 'in_reply_to must be a comment on this task.',
      jsonb_build_object('fields', jsonb_build_object('in_reply_to', 'Unknown comment')));
  end if;
  insert into task_comments (task_id, author_type, author_user_id, author_agent_id, author_name, body, in_reply_to)
  values (v_task.id, p_actor->>'type',
          case when p_actor->>'type' = 'user' then (p_actor->>'id')::uuid end,
          case when p_actor->>'type' = 'agent' then (p_actor->>'id')::uuid end,
          left(coalesce(p_actor->>'name', ''), 200), p_body, p_in_reply_to)
  returning * into v_comment;
  v_mentions := add_comment_mentions(v_comment, v_task.workspace_id, p_mentions, p_actor);
  perform emit_event('comment.created', v_task.workspace_id, v_task.id, null, p_actor,
    jsonb_build_object('comment_id', v_comment.id, 'title', v_task.title, 'in_reply_to', p_in_reply_to));
  return jsonb_build_object('comment', comment_json(v_comment), 'new_mentions', v_mentions);
end $$;

-- The comment, locked, if p_actor wrote it and it is not deleted: someone
-- else's is refused (403), one on another task or workspace is not found.
create or replace function own_comment(p_comment_id uuid, p_task_id uuid, p_workspace_id uuid, p_actor jsonb) returns task_comments
language plpgsql as $$
declare
  v_comment task_comments;
begin
  perform commented_task(p_task_id, p_workspace_id);
  select * into v_comment from task_comments where id = p_comment_id and task_id = p_task_id for update;
  if not found or v_comment.deleted_at is not null then
    perform raise_app_error('not_found', 'Comment not found.');
  end if;
  if v_comment.author_type is distinct from p_actor->>'type'
     or coalesce(v_comment.author_user_id, v_comment.author_agent_id) is distinct from (p_actor->>'id')::uuid then
    perform raise_app_error('forbidden', 'Only its author can change a comment.');
  end if;
  return v_comment;
end $$;

-- A new text for one's own comment: the old one is kept as a revision, and
-- mentions it adds are recorded (those it drops stay as they were).
create or replace function edit_task_comment(p_comment_id uuid, p_task_id uuid, p_workspace_id uuid, p_body text, p_mentions jsonb, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_comment task_comments;
  v_mentions jsonb := '[]'::jsonb;
  v_ws uuid;
begin
  v_comment := own_comment(p_comment_id, p_task_id, p_workspace_id, p_actor);
  perform check_comment_body(p_body);
  if v_comment.body = p_body then
    return jsonb_build_object('comment', comment_json(v_comment), 'new_mentions', v_mentions, 'changed', false);
  end if;
  insert into task_comment_revisions (comment_id, body) values (v_comment.id, v_comment.body);
  update task_comments set body = p_body, edited_at = clock_timestamp() where id = v_comment.id returning * into v_comment;
  select workspace_id into v_ws from tasks where id = v_comment.task_id;
  v_mentions := add_comment_mentions(v_comment, v_ws, p_mentions, p_actor);
  perform emit_event('comment.edited', v_ws, v_comment.task_id, null, p_actor, jsonb_build_object('comment_id', v_comment.id));
  return jsonb_build_object('comment', comment_json(v_comment), 'new_mentions', v_mentions, 'changed', true);
end $$;

-- Deletes one's own comment: a tombstone stays in the timeline, its last text in the revisions.
create or replace function delete_task_comment(p_comment_id uuid, p_task_id uuid, p_workspace_id uuid, p_actor jsonb)
returns jsonb language plpgsql as $$
declare
  v_comment task_comments;
begin
  v_comment := own_comment(p_comment_id, p_task_id, p_workspace_id, p_actor);
  insert into task_comment_revisions (comment_id, body) values (v_comment.id, v_comment.body);
  update task_comments set body = '', deleted_at = clock_timestamp() where id = v_comment.id returning * into v_comment;
  -- A queued mention of a deleted comment is never handed to an agent.
  update task_comment_mentions set delivery = 'none' where comment_id = v_comment.id and delivery = 'queued';
  perform emit_event('comment.deleted', p_workspace_id, v_comment.task_id, null, p_actor, jsonb_build_object('comment_id', v_comment.id));
  return comment_json(v_comment);
end $$;

-- The agent API's comments: on the agent's own task, as the agent.
create or replace function agent_create_comment(p_agent_id uuid, p_task_id uuid, p_body text, p_mentions jsonb, p_in_reply_to uuid)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return create_task_comment(v_task.id, v_task.workspace_id, p_body, p_mentions, p_in_reply_to, agent_actor(p_agent_id));
end $$;

create or replace function agent_edit_comment(p_agent_id uuid, p_task_id uuid, p_comment_id uuid, p_body text, p_mentions jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return edit_task_comment(p_comment_id, v_task.id, v_task.workspace_id, p_body, p_mentions, agent_actor(p_agent_id));
end $$;

create or replace function agent_delete_comment(p_agent_id uuid, p_task_id uuid, p_comment_id uuid)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return delete_task_comment(p_comment_id, v_task.id, v_task.workspace_id, agent_actor(p_agent_id));
end $$;

create or replace function agent_list_comments(p_agent_id uuid, p_task_id uuid)
returns jsonb language plpgsql stable as $$
declare
  v_task tasks;
begin
  v_task := agent_owned_task(p_agent_id, p_task_id);
  return list_task_comments(v_task.id);
end $$;

-- A queued mention reached the agent's running session.
create or replace function mark_mention_delivered(p_mention_id uuid, p_run_id text) returns void
language sql as $$
  update task_comment_mentions set delivery = 'delivered', run_id = left(p_run_id, 200), delivered_at = clock_timestamp()
  where id = p_mention_id and delivery = 'queued'
$$;

-- What waits for the next dispatch of a task to an agent: the comments that
-- mention it, oldest first.
create or replace function queued_mentions_for(p_task_id uuid, p_agent_id uuid) returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('mention_id', m.id, 'comment_id', c.id, 'author_name', c.author_name,
                                               'body', c.body, 'created_at', c.created_at) order by c.created_at), '[]'::jsonb)
  from task_comment_mentions m join task_comments c on c.id = m.comment_id
  where c.task_id = p_task_id and m.agent_id = p_agent_id and m.delivery = 'queued' and c.deleted_at is null
$$;

-- The dispatch that carried these mentions started its run.
create or replace function mark_mentions_dispatched(p_mention_ids jsonb, p_run_id text) returns void
language sql as $$
  update task_comment_mentions set delivery = 'dispatched', run_id = left(p_run_id, 200), delivered_at = clock_timestamp()
  where id in (select value::uuid from jsonb_array_elements_text(p_mention_ids)) and delivery = 'queued'
$$;
