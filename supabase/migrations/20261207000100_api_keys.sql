-- compatible-with-previous: true
-- API keys (decision 050): a user's bearer keys for the operator API under
-- /api/v1. Only the SHA-256 of a key is stored (keys are 256-bit random, so a
-- fast hash is enough), with a short hint to tell keys apart. A key carries
-- scopes (read, write, approve) that never grant more than its owner's role at
-- the time of each request. A revoked key keeps its row, marked revoked.

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  hint text not null check (char_length(hint) <= 16),
  scopes text[] not null check (cardinality(scopes) between 1 and 3 and scopes <@ array['read', 'write', 'approve']::text[]),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz not null default now()
);

alter table api_keys enable row level security;

create unique index api_keys_token_hash_key on api_keys (token_hash);

create index api_keys_user_idx on api_keys (user_id, created_at);
