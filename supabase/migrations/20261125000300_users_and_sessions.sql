create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and char_length(email) between 3 and 254 and position('@' in email) > 1),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  role text not null check (role in ('viewer', 'operator', 'approver', 'admin')),
  password_hash text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  disabled_at timestamptz
);
create unique index users_email_key on users (email);
create trigger users_updated_at before update on users
  for each row execute function set_updated_at();

-- The cookie carries a random token; only its SHA-256 is stored.
create table sessions (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text check (char_length(user_agent) <= 400)
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

-- Small key/value store for instance state (the one-time set-up token hash).
create table app_settings (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);
