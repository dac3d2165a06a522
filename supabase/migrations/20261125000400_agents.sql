create table agents (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete restrict,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  role text not null default '' check (char_length(role) <= 200),
  emoji text not null default '🤖' check (char_length(emoji) between 1 and 8),
  model text not null default '' check (char_length(model) <= 200),
  openclaw_agent_id text check (openclaw_agent_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  status text not null default 'standby' check (status in ('standby', 'working', 'offline')),
  autonomy_level text not null default 'hitl' check (autonomy_level in ('hitl', 'hotl', 'autonomous')),
  -- SHA-256 of the agent's bearer token; the token itself is shown once.
  api_token_hash text unique check (api_token_hash ~ '^[0-9a-f]{64}$'),
  api_token_hint text check (char_length(api_token_hint) <= 16),
  api_token_created_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- (workspace_id, id) lets tasks reference an agent of their own workspace only.
create unique index agents_workspace_id_key on agents (workspace_id, id);
create index agents_workspace_idx on agents (workspace_id, name);
create unique index agents_workspace_name_key on agents (workspace_id, lower(name));
create trigger agents_updated_at before update on agents
  for each row execute function set_updated_at();
