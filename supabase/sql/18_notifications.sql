-- Notifications (decision 047): which events notify whom, the outbox they go
-- through, preferences and channels. The producer is a cursor over the
-- events log that takes only settled events (get_settled_events), so no
-- event is skipped and writers of events pay nothing; the unique key
-- (occasion, user, target) makes enqueuing idempotent. The sender (the app,
-- app/services/notifications) claims due rows with a lease, sends, and
-- reports each attempt here.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- Every kind of notification, in the order the preferences page lists them
-- (NOTIFICATION_KINDS in app/domain/notifications.ts; a test compares them).
create or replace function notification_kinds() returns text[]
language sql immutable as $$
  select array['approval_waiting', 'approval_expiring', 'veto_opened', 'task_stalled', 'task_parked', 'budget_warning',
               'budget_refused', 'mention', 'task_done', 'task_failed', 'emergency_stop', 'channel_test']
$$;

-- Urgent kinds are sent during quiet hours too: waiting would make them useless.
create or replace function notification_kind_urgent(p_kind text) returns boolean
language sql immutable as $$
  select p_kind in ('approval_expiring', 'veto_opened', 'emergency_stop', 'channel_test')
$$;

-- The notification an event makes, or null for the events that make none.
create or replace function notification_kind_of(e events) returns text
language sql immutable as $$
  select case
    when e.type = 'approval.requested' and e.payload->>'mode' = 'hotl' then 'veto_opened'
    when e.type = 'approval.requested' then 'approval_waiting'
    when e.type = 'budget.warning' then 'budget_warning'
    when e.type = 'comment.mentioned' then 'mention'
    when e.type = 'installation.stopped' then 'emergency_stop'
    when e.type <> 'task.updated' then null
    when e.payload->>'alert_reason' = 'budget_exceeded' then 'budget_refused'
    when e.payload->>'alert_reason' = 'stalled' then 'task_stalled'
    when e.payload->>'alert_reason' = 'dispatch_failed' then 'task_parked'
    when e.payload->>'alert_reason' = 'run_failed' or e.payload->>'verdict' = 'fail' then 'task_failed'
    when e.payload->>'status' = 'done' and e.payload->>'from_status' is distinct from 'done' then 'task_done'
  end
$$;

-- Who hears of it: approvals go to those who can decide them, a mention to
-- the one mentioned, the rest to everyone; nobody is told of their own act.
create or replace function notification_user_hears(p_kind text, p_user users, e events) returns boolean
language sql immutable as $$
  select p_user.disabled_at is null
     and not (e.actor_type = 'user' and e.actor_id is not distinct from p_user.id and p_kind <> 'mention')
     and case
           when p_kind in ('approval_waiting', 'veto_opened', 'approval_expiring') then p_user.role in ('approver', 'admin')
           when p_kind = 'mention' then e.payload->>'user_id' = p_user.id::text
           else true
         end
$$;

-- What a message is written from (app/domain/notifications.ts writes it).
create or replace function notification_facts(e events) returns jsonb
language sql stable as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'event_type', e.type, 'seq', e.seq, 'at', e.created_at,
    'workspace_slug', w.slug, 'workspace_name', w.name,
    'task_id', e.task_id, 'task_title', coalesce(t.title, e.payload->>'title'),
    'approval_id', e.payload->>'approval_id', 'action', e.payload->>'action', 'command', e.payload->>'command',
    'expires_at', a.expires_at, 'veto_until', a.veto_until,
    'actor_name', nullif(e.actor_name, ''),
    'message', e.payload->>'message', 'reason', e.payload->>'reason',
    'comment_id', e.payload->>'comment_id', 'excerpt', left(coalesce(e.payload->>'excerpt', e.payload->>'body'), 280)))
  from (select 1) one
  left join workspaces w on w.id = e.workspace_id
  left join tasks t on t.id = e.task_id
  left join approvals a on e.type = 'approval.requested' and a.id::text = e.payload->>'approval_id'
$$;

-- When a notification is due: now, or for one that is not urgent and falls
-- in the user's quiet hours (minutes after midnight in their time zone), the
-- end of them. A zone PostgreSQL does not know reads as UTC.
create or replace function notification_due_at(p_kind text, p_quiet_start int, p_quiet_end int, p_zone text) returns timestamptz
language plpgsql stable as $$
declare
  v_zone text := coalesce(p_zone, 'UTC');
  v_local timestamp;
  v_min int;
  v_day timestamp;
begin
  if p_quiet_start is null or p_quiet_end is null or notification_kind_urgent(p_kind) then
    return now();
  end if;
  begin
    v_local := now() at time zone v_zone;
  exception when others then
    v_zone := 'UTC';
    v_local := now() at time zone 'UTC';
  end;
  v_min := extract(hour from v_local)::int * 60 + extract(minute from v_local)::int;
  v_day := date_trunc('day', v_local);
  if p_quiet_start < p_quiet_end then
    if v_min >= p_quiet_start and v_min < p_quiet_end then
      return (v_day + make_interval(mins => p_quiet_end)) at time zone v_zone;
    end if;
  elsif v_min >= p_quiet_start then
    return (v_day + interval '1 day' + make_interval(mins => p_quiet_end)) at time zone v_zone;
  elsif v_min < p_quiet_end then
    return (v_day + make_interval(mins => p_quiet_end)) at time zone v_zone;
  end if;
  return now();
end $$;

-- Where a user's notifications go: each of their enabled channels, and each
-- of their devices subscribed to Web Push (decision 048) that the push
-- service has not called gone. target_key is the outbox's per-destination key.
create or replace function notification_destinations(p_user_id uuid)
returns table (channel_kind text, channel_id uuid, target_key text)
language sql stable as $$
  select c.kind, c.id, 'channel:' || c.id from notification_channels c where c.user_id = p_user_id and c.enabled
  union all
  select 'web_push', null::uuid, 'push:' || s.id from push_subscriptions s where s.user_id = p_user_id and s.expired_at is null
$$;

-- One producer step: the settled events after the cursor become outbox rows
-- (per user who hears of them, wants that kind, and per destination of
-- theirs), and pending approvals expiring within p_expiry_window_s get their
-- reminder. The cursor row's lock makes concurrent producers take turns.
create or replace function produce_notifications(p_limit int, p_expiry_window_s int) returns jsonb
language plpgsql as $$
declare
  v_cursor notification_cursor;
  v_settled jsonb;
  v_last bigint;
  v_from_events int := 0;
  v_expiring int := 0;
begin
  insert into notification_cursor (id, last_seq) values (true, 0) on conflict (id) do nothing;
  select * into v_cursor from notification_cursor where id for update;
  v_settled := get_settled_events(v_cursor.last_seq, p_limit, v_cursor.wait_for::xid8, v_cursor.settle_upto, false);
  v_last := (v_settled->>'last_seq')::bigint;
  if v_last > v_cursor.last_seq then
    insert into notification_outbox (occasion, user_id, channel_kind, channel_id, target_key, kind, urgent, facts, event_seq, deliver_after)
    select 'event:' || e.seq, u.id, d.channel_kind, d.channel_id, d.target_key, k.kind, notification_kind_urgent(k.kind), notification_facts(e), e.seq,
           notification_due_at(k.kind, p.quiet_start, p.quiet_end, u.time_zone)
    from events e
    cross join lateral (select notification_kind_of(e) as kind) k
    join users u on notification_user_hears(k.kind, u, e)
    left join notification_preferences p on p.user_id = u.id
    cross join lateral notification_destinations(u.id) d
    where e.seq > v_cursor.last_seq and e.seq <= v_last and k.kind is not null
      and (p.user_id is null or k.kind = any(p.kinds))
    on conflict (occasion, user_id, target_key) do nothing;
    get diagnostics v_from_events = row_count;
  end if;
  update notification_cursor
     set last_seq = v_last, wait_for = v_settled->>'wait_for', settle_upto = (v_settled->>'settle_upto')::bigint, updated_at = now()
   where id;

  insert into notification_outbox (occasion, user_id, channel_kind, channel_id, target_key, kind, urgent, facts, deliver_after)
  select 'approval.expiring:' || a.id || ':' || floor(extract(epoch from a.expires_at))::bigint, u.id, d.channel_kind, d.channel_id, d.target_key,
         'approval_expiring', true,
         jsonb_strip_nulls(jsonb_build_object('approval_id', a.id, 'action', a.action, 'expires_at', a.expires_at, 'at', now(),
                                              'task_id', t.id, 'task_title', t.title, 'workspace_slug', w.slug, 'workspace_name', w.name)),
         now()
  from approvals a
  join tasks t on t.id = a.task_id
  join workspaces w on w.id = t.workspace_id
  join users u on u.disabled_at is null and u.role in ('approver', 'admin')
  left join notification_preferences p on p.user_id = u.id
  cross join lateral notification_destinations(u.id) d
  where a.status = 'pending' and a.mode <> 'hotl'
    and a.expires_at > now() and a.expires_at <= now() + make_interval(secs => greatest(p_expiry_window_s, 0))
    and (p.user_id is null or 'approval_expiring' = any(p.kinds))
  on conflict (occasion, user_id, target_key) do nothing;
  get diagnostics v_expiring = row_count;

  return jsonb_build_object('enqueued', v_from_events + v_expiring, 'last_seq', v_last,
                            'more', coalesce((v_settled->>'more')::boolean, false));
end $$;

-- Claims up to p_limit due rows for p_holder until the lease ends. Rows
-- another sender holds are skipped, not waited for; a row whose holder died
-- is claimable again once its lease has passed. A Web Push row whose device
-- is gone (expired or removed) is never claimed: there is nowhere to send it.
create or replace function claim_notifications(p_holder text, p_limit int, p_lease_seconds int) returns jsonb
language sql as $$
  with due as (
    select o.id from notification_outbox o
    where o.status = 'pending' and o.deliver_after <= now() and (o.lease_until is null or o.lease_until < now())
      and (o.channel_kind <> 'web_push'
           or exists (select 1 from push_subscriptions s where 'push:' || s.id = o.target_key and s.expired_at is null))
    order by o.deliver_after
    limit greatest(p_limit, 0)
    for update skip locked
  ), claimed as (
    update notification_outbox o
       set lease_holder = p_holder, lease_until = now() + make_interval(secs => p_lease_seconds), attempts = o.attempts + 1
      from due where o.id = due.id
    returning o.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', c.id, 'occasion', c.occasion, 'kind', c.kind, 'urgent', c.urgent, 'facts', c.facts, 'attempt', c.attempts,
           'channel_kind', c.channel_kind, 'target_key', c.target_key, 'replay', c.replay_of is not null, 'created_at', c.created_at,
           'user', jsonb_build_object('id', u.id, 'name', u.name),
           'channel', case when ch.id is not null then jsonb_build_object('id', ch.id, 'kind', ch.kind, 'name', ch.name,
                                                                          'target', ch.target, 'secret', ch.secret) end,
           'push', case when ps.id is not null then jsonb_build_object('id', ps.id, 'endpoint', ps.endpoint, 'p256dh', ps.p256dh,
                                                                       'auth', ps.auth) end)
         order by c.deliver_after), '[]'::jsonb)
  from claimed c
  join users u on u.id = c.user_id
  left join notification_channels ch on ch.id = c.channel_id
  left join push_subscriptions ps on c.channel_kind = 'web_push' and 'push:' || ps.id = c.target_key
$$;

-- The outcome of one attempt by the row's holder: logged, then the row is
-- sent, or due again after p_retry_seconds. A channel whose last
-- p_fail_after attempts all failed is marked failing (its rows keep their
-- retries; other channels are not held up). An attempt whose lease was lost
-- to another sender records nothing.
create or replace function finish_notification(p_id uuid, p_holder text, p_ok boolean, p_status_code int, p_error text,
                                               p_retry_seconds numeric, p_duration_ms int, p_fail_after int)
returns jsonb language plpgsql as $$
declare
  v_row notification_outbox;
  v_channel notification_channels;
  v_error text := left(p_error, 1000);
begin
  select * into v_row from notification_outbox where id = p_id and status = 'pending' and lease_holder = p_holder for update;
  if not found then
    return jsonb_build_object('id', p_id, 'recorded', false);
  end if;
  insert into notification_deliveries (outbox_id, channel_id, attempt, replay, ok, status_code, error, duration_ms)
  values (v_row.id, v_row.channel_id, v_row.attempts, v_row.replay_of is not null, p_ok, p_status_code, case when not p_ok then v_error end, p_duration_ms);
  if p_ok then
    update notification_outbox set status = 'sent', sent_at = now(), lease_holder = null, lease_until = null, last_error = null where id = p_id;
    update notification_channels set consecutive_failures = 0, failing_since = null, last_error = null
     where id = v_row.channel_id returning * into v_channel;
  else
    update notification_outbox
       set deliver_after = now() + make_interval(secs => greatest(p_retry_seconds, 0)::double precision),
           lease_holder = null, lease_until = null, last_error = v_error
     where id = p_id;
    update notification_channels
       set consecutive_failures = consecutive_failures + 1, last_error = v_error,
           failing_since = case when consecutive_failures + 1 >= p_fail_after then coalesce(failing_since, now()) end
     where id = v_row.channel_id returning * into v_channel;
  end if;
  return jsonb_build_object('id', p_id, 'recorded', true, 'status', case when p_ok then 'sent' else 'pending' end,
                            'channel_failing', v_channel.failing_since is not null);
end $$;

-- A channel as its owner's pages show it: the secret only as its last four characters.
create or replace function notification_channel_json(c notification_channels) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', c.id, 'kind', c.kind, 'name', c.name, 'target', c.target,
                            'secret_hint', case when c.secret is not null then right(c.secret, 4) end,
                            'enabled', c.enabled, 'failing', c.failing_since is not null, 'failing_since', c.failing_since,
                            'consecutive_failures', c.consecutive_failures, 'last_error', c.last_error, 'created_at', c.created_at,
                            'pending', (select count(*) from notification_outbox o where o.channel_id = c.id and o.status = 'pending'))
$$;

-- The preferences page's one read.
create or replace function get_notification_settings(p_user_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'kinds', to_jsonb(coalesce(p.kinds, notification_kinds())),
    'quiet_start', p.quiet_start, 'quiet_end', p.quiet_end, 'time_zone', u.time_zone,
    'channels', (select coalesce(jsonb_agg(notification_channel_json(c) order by c.created_at), '[]'::jsonb)
                 from notification_channels c where c.user_id = u.id))
  from users u
  left join notification_preferences p on p.user_id = u.id
  where u.id = p_user_id
$$;

-- Saves a user's kinds, quiet hours and which of their channels are on, in one step.
-- p_kinds and p_enabled_channels are JSON arrays (of kind names, of channel ids).
create or replace function set_notification_preferences(p_user_id uuid, p_kinds jsonb, p_quiet_start int, p_quiet_end int,
                                                         p_enabled_channels jsonb)
returns jsonb language plpgsql as $$
declare
  v_unknown text;
  v_kinds text[];
  v_channels uuid[];
begin
  if jsonb_typeof(coalesce(p_kinds, '[]')) <> 'array' or jsonb_typeof(coalesce(p_enabled_channels, '[]')) <> 'array'
     or exists (select 1 from jsonb_array_elements(coalesce(p_kinds, '[]')) k where jsonb_typeof(k) <> 'string')
     or exists (select 1 from jsonb_array_elements(coalesce(p_enabled_channels, '[]')) c
                where jsonb_typeof(c) <> 'string' or c #>> '{}' !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') then
    perform raise_app_error('invalid', 'Kinds and channels are lists of names and ids.');
  end if;
  v_kinds := array(select jsonb_array_elements_text(coalesce(p_kinds, '[]')));
  v_channels := array(select jsonb_array_elements_text(coalesce(p_enabled_channels, '[]'))::uuid);
  if not exists (select 1 from users where id = p_user_id) then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  select k into v_unknown from unnest(v_kinds) k where k is null or not k = any(notification_kinds()) limit 1;
  if found then
    perform raise_app_error('invalid', format('Unknown notification kind: %s.', coalesce(v_unknown, 'null')),
                            jsonb_build_object('fields', jsonb_build_object('kinds', 'Unknown notification kind')));
  end if;
  if (p_quiet_start is null) <> (p_quiet_end is null) or p_quiet_start = p_quiet_end
     or p_quiet_start not between 0 and 1439 or p_quiet_end not between 0 and 1439 then
    perform raise_app_error('invalid', 'Quiet hours need a start and an end that differ.',
                            jsonb_build_object('fields', jsonb_build_object('quiet_start', 'Give a start and an end that differ')));
  end if;
  if exists (select 1 from unnest(v_channels) as wanted(channel_id)
             where not exists (select 1 from notification_channels c where c.id = wanted.channel_id and c.user_id = p_user_id)) then
    perform raise_app_error('invalid', 'Unknown channel.', jsonb_build_object('fields', jsonb_build_object('channels', 'Unknown channel')));
  end if;
  insert into notification_preferences (user_id, kinds, quiet_start, quiet_end)
  values (p_user_id, (select coalesce(array_agg(distinct k order by k), '{}') from unnest(v_kinds) k), p_quiet_start, p_quiet_end)
  on conflict (user_id) do update set kinds = excluded.kinds, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, updated_at = now();
  update notification_channels set enabled = (id = any(v_channels)) where user_id = p_user_id;
  return get_notification_settings(p_user_id);
end $$;

-- A new channel of the user's own; the app has checked the target (its
-- address is not private, the URL, token or email is well formed).
create or replace function create_notification_channel(p_user_id uuid, p_kind text, p_name text, p_target text, p_secret text)
returns jsonb language plpgsql as $$
declare
  v_channel notification_channels;
begin
  if not exists (select 1 from users where id = p_user_id) then
    perform raise_app_error('not_found', 'User not found.');
  end if;
  if (select count(*) from notification_channels where user_id = p_user_id) >= 20 then
    perform raise_app_error('invalid', 'At most 20 channels; remove one first.', jsonb_build_object('fields', jsonb_build_object('name', 'At most 20 channels')));
  end if;
  insert into notification_channels (user_id, kind, name, target, secret)
  values (p_user_id, p_kind, btrim(p_name), p_target, p_secret)
  returning * into v_channel;
  return notification_channel_json(v_channel);
end $$;

create or replace function delete_notification_channel(p_user_id uuid, p_channel_id uuid) returns jsonb
language plpgsql as $$
begin
  delete from notification_channels where id = p_channel_id and user_id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'Channel not found.');
  end if;
  return jsonb_build_object('id', p_channel_id, 'deleted', true);
end $$;

-- One of the user's channels with its latest delivery attempts, newest first.
-- The webhook's signing secret is its owner's to read (they verify with it).
create or replace function get_notification_channel(p_user_id uuid, p_channel_id uuid, p_limit int) returns jsonb
language sql stable as $$
  select notification_channel_json(c)
         || jsonb_build_object('signing_secret', case when c.kind = 'webhook' then c.secret end,
                               'deliveries', (select coalesce(jsonb_agg(jsonb_build_object(
                                                'id', d.id, 'outbox_id', d.outbox_id, 'kind', o.kind, 'facts', o.facts, 'attempt', d.attempt,
                                                'replay', d.replay, 'ok', d.ok, 'status_code', d.status_code, 'error', d.error,
                                                'duration_ms', d.duration_ms, 'created_at', d.created_at) order by d.created_at desc), '[]'::jsonb)
                                              from (select * from notification_deliveries where channel_id = c.id
                                                    order by created_at desc limit least(greatest(p_limit, 1), 200)) d
                                              join notification_outbox o on o.id = d.outbox_id),
                               'waiting', (select coalesce(jsonb_agg(jsonb_build_object('id', o.id, 'kind', o.kind, 'facts', o.facts,
                                                                                       'attempts', o.attempts, 'deliver_after', o.deliver_after,
                                                                                       'last_error', o.last_error) order by o.deliver_after), '[]'::jsonb)
                                           from (select * from notification_outbox where channel_id = c.id and status = 'pending'
                                                 order by deliver_after limit 50) o))
  from notification_channels c
  where c.id = p_channel_id and c.user_id = p_user_id
$$;

-- A test message to one channel, due now (quiet hours do not hold it).
create or replace function enqueue_channel_test(p_user_id uuid, p_channel_id uuid) returns jsonb
language plpgsql as $$
declare
  v_channel notification_channels;
  v_id uuid;
begin
  select * into v_channel from notification_channels where id = p_channel_id and user_id = p_user_id;
  if not found then
    perform raise_app_error('not_found', 'Channel not found.');
  end if;
  insert into notification_outbox (occasion, user_id, channel_kind, channel_id, target_key, kind, urgent, facts)
  values ('test:' || gen_random_uuid(), p_user_id, v_channel.kind, v_channel.id, 'channel:' || v_channel.id, 'channel_test', true,
          jsonb_build_object('at', now(), 'channel_name', v_channel.name))
  returning id into v_id;
  return jsonb_build_object('id', v_id);
end $$;

-- Sends a delivered (or attempted) notification again, as a new outbox row
-- marked as a replay: the original stays as it was, sent rows are never
-- picked up again on their own.
create or replace function replay_notification_delivery(p_user_id uuid, p_delivery_id uuid) returns jsonb
language plpgsql as $$
declare
  v_row notification_outbox;
  v_id uuid;
begin
  select o.* into v_row from notification_deliveries d join notification_outbox o on o.id = d.outbox_id
  where d.id = p_delivery_id and o.user_id = p_user_id;
  if not found or v_row.channel_id is null then
    perform raise_app_error('not_found', 'Delivery not found.');
  end if;
  insert into notification_outbox (occasion, user_id, channel_kind, channel_id, target_key, kind, urgent, facts, event_seq, replay_of)
  values ('replay:' || gen_random_uuid(), v_row.user_id, v_row.channel_kind, v_row.channel_id, v_row.target_key, v_row.kind, true,
          v_row.facts, v_row.event_seq, coalesce(v_row.replay_of, v_row.id))
  returning id into v_id;
  return jsonb_build_object('id', v_id, 'replay_of', coalesce(v_row.replay_of, v_row.id));
end $$;
