-- compatible-with-previous: true
-- Several OpenClaw gateways (decision 052). A registered gateway has a name,
-- a ws:// or wss:// URL and its token, encrypted by the app (AES-256-GCM with
-- a key derived from SESSION_SECRET) so a dump of the database alone does not
-- reveal it. An agent belongs to one gateway; an agent without one uses the
-- default gateway of OPENCLAW_GATEWAY_URL, which is not a row. The older
-- dispatch claim is replaced by one that also takes the connected gateways;
-- a caller of the old signature still resolves to the new one (the added
-- arguments have defaults), so a previous release keeps dispatching.

create table gateways (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  url text not null check (char_length(url) <= 2000 and url ~ '^wss?://[^\s/?#@]+([/?#]\S*)?$'),
  token_ciphertext text not null check (char_length(token_ciphertext) between 1 and 4000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table gateways enable row level security;

create unique index gateways_name_key on gateways (lower(btrim(name)));

alter table agents add column gateway_id uuid references gateways (id);

create index agents_gateway_idx on agents (gateway_id) where gateway_id is not null;

drop function if exists claim_tasks_for_dispatch(int, int, uuid);
