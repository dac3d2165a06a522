-- compatible-with-previous: true
-- Comments on tasks with @mentions (decision 045): Markdown written by
-- operators and agents, their earlier versions kept on every edit and delete,
-- and each mention of an agent or a user with what became of it.

create table task_comments (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  author_type text not null check (author_type in ('user', 'agent')),
  author_user_id uuid references users (id) on delete set null,
  author_agent_id uuid references agents (id) on delete set null,
  author_name text not null default '' check (char_length(author_name) <= 200),
  body text not null check (char_length(body) <= 10000),
  in_reply_to uuid references task_comments (id) on delete set null,
  created_at timestamptz not null default clock_timestamp(),
  edited_at timestamptz,
  deleted_at timestamptz,
  -- Deleting leaves a tombstone whose text lives on only in the revisions.
  constraint task_comments_body_present check (deleted_at is not null or btrim(body) <> ''),
  constraint task_comments_one_author check (
    (author_type = 'user' and author_agent_id is null) or (author_type = 'agent' and author_user_id is null))
);

alter table task_comments enable row level security;

create index task_comments_task_idx on task_comments (task_id, created_at);

-- A comment's earlier text: one row each time it was edited or deleted.
create table task_comment_revisions (
  id bigint generated always as identity primary key,
  comment_id uuid not null references task_comments (id) on delete cascade,
  body text not null check (char_length(body) <= 10000),
  replaced_at timestamptz not null default clock_timestamp()
);

alter table task_comment_revisions enable row level security;

create index task_comment_revisions_comment_idx on task_comment_revisions (comment_id, id);

-- Who a comment mentions. An agent's mention is delivered into its running
-- session, or queued for the task's next dispatch to it (then dispatched); a
-- user's mention is an event for notifications (notified).
create table task_comment_mentions (
  id uuid primary key default gen_random_uuid(),
  comment_id uuid not null references task_comments (id) on delete cascade,
  agent_id uuid references agents (id) on delete cascade,
  user_id uuid references users (id) on delete cascade,
  handle text not null check (char_length(handle) <= 254),
  delivery text not null check (delivery in ('delivered', 'queued', 'dispatched', 'notified', 'none')),
  run_id text check (char_length(run_id) <= 200),
  delivered_at timestamptz,
  created_at timestamptz not null default clock_timestamp(),
  constraint task_comment_mentions_one_target check ((agent_id is null) <> (user_id is null)),
  unique (comment_id, agent_id),
  unique (comment_id, user_id)
);

alter table task_comment_mentions enable row level security;

-- The mentions waiting for the next dispatch of a task to an agent.
create index task_comment_mentions_queued_idx on task_comment_mentions (agent_id) where delivery = 'queued';
create index task_comment_mentions_user_idx on task_comment_mentions (user_id) where user_id is not null;
