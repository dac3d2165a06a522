-- compatible-with-previous: true
-- Notifications (decision 047): what each user wants to hear about and when
-- (preferences, quiet hours in their own time zone), where it goes (their
-- channels: signed webhooks, Slack, Telegram, email), and the outbox the
-- sender works through, with a log of every delivery attempt. The producer
-- reads the events log from a cursor (notification_cursor), so writers of
-- events pay nothing for notifications.

-- One row per user who changed the defaults; no row: every kind, no quiet hours.
create table notification_preferences (
  user_id uuid primary key references users (id) on delete cascade,
  kinds text[] not null check (cardinality(kinds) <= 30 and array_position(kinds, null) is null),
  -- Minutes after local midnight; both or neither, never equal.
  quiet_start smallint check (quiet_start between 0 and 1439),
  quiet_end smallint check (quiet_end between 0 and 1439),
  updated_at timestamptz not null default now(),
  constraint notification_preferences_quiet_check check ((quiet_start is null and quiet_end is null) or (quiet_start is not null and quiet_end is not null and quiet_start <> quiet_end))
);

alter table notification_preferences enable row level security;

create table notification_channels (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('webhook', 'slack', 'telegram', 'email')),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  -- The webhook or Slack URL, the Telegram chat id, or the email address.
  target text not null check (char_length(target) between 1 and 2000),
  -- The webhook's signing secret or the Telegram bot token; never sent back in full.
  secret text check (char_length(secret) <= 200),
  enabled boolean not null default true,
  consecutive_failures int not null default 0,
  failing_since timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);

alter table notification_channels enable row level security;

create index notification_channels_user_idx on notification_channels (user_id, created_at);

-- One row per notification and destination. `target_key` names the
-- destination ('channel:<id>'; a Web Push subscription would be
-- 'push:<id>'), so (occasion, user, target) is enqueued once however often
-- the producer sees the occasion.
create table notification_outbox (
  id uuid primary key default gen_random_uuid(),
  occasion text not null,
  user_id uuid not null references users (id) on delete cascade,
  channel_kind text not null check (channel_kind in ('webhook', 'slack', 'telegram', 'email', 'web_push')),
  channel_id uuid references notification_channels (id) on delete cascade,
  target_key text not null,
  kind text not null,
  urgent boolean not null default false,
  -- The facts the message is written from (app/domain/notifications.ts).
  facts jsonb not null default '{}'::jsonb,
  event_seq bigint,
  replay_of uuid references notification_outbox (id) on delete set null,
  status text not null default 'pending' check (status in ('pending', 'sent')),
  attempts int not null default 0,
  -- When it is due: now, the end of quiet hours, or the next retry.
  deliver_after timestamptz not null default now(),
  lease_holder text,
  lease_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);

alter table notification_outbox enable row level security;

create unique index notification_outbox_once_key on notification_outbox (occasion, user_id, target_key);

create index notification_outbox_due_idx on notification_outbox (deliver_after) where status = 'pending';

create index notification_outbox_channel_idx on notification_outbox (channel_id, created_at desc);

-- Every attempt to deliver, kept with its channel (a replay is an attempt of its own).
create table notification_deliveries (
  id uuid primary key default gen_random_uuid(),
  outbox_id uuid not null references notification_outbox (id) on delete cascade,
  channel_id uuid references notification_channels (id) on delete cascade,
  attempt int not null,
  replay boolean not null default false,
  ok boolean not null,
  status_code int,
  error text,
  duration_ms int,
  created_at timestamptz not null default now()
);

alter table notification_deliveries enable row level security;

create index notification_deliveries_channel_idx on notification_deliveries (channel_id, created_at desc);

create index notification_deliveries_outbox_idx on notification_deliveries (outbox_id);

-- How far the producer has read the events log (one row). It starts at the
-- newest event: history is never notified.
create table notification_cursor (
  id boolean primary key default true check (id),
  last_seq bigint not null,
  wait_for text,
  settle_upto bigint,
  updated_at timestamptz not null default now()
);

alter table notification_cursor enable row level security;

insert into notification_cursor (id, last_seq) select true, coalesce(max(seq), 0) from events;
