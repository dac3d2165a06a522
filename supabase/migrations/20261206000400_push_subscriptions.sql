-- compatible-with-previous: true
-- Web Push subscriptions (decision 048): the devices a user asked to be
-- notified on. One row per push service endpoint, owned by one user; the keys
-- are the browser's public P-256 key and auth secret the payload is encrypted
-- to. A subscription the push service reported gone keeps its row, marked
-- expired, until its owner removes it or the browser subscribes again.

create table push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  endpoint text not null check (char_length(endpoint) between 1 and 2048),
  p256dh text not null check (char_length(p256dh) between 1 and 200),
  auth text not null check (char_length(auth) between 1 and 100),
  user_agent text not null default '' check (char_length(user_agent) <= 200),
  created_at timestamptz not null default now(),
  last_success_at timestamptz,
  expired_at timestamptz
);

alter table push_subscriptions enable row level security;

create unique index push_subscriptions_endpoint_key on push_subscriptions (endpoint);

create index push_subscriptions_user_idx on push_subscriptions (user_id, created_at);
