-- compatible-with-previous: true
-- GitHub issues become tasks (decision 053). A workspace may take the issues
-- of one repository: its webhook secret (to verify X-Hub-Signature-256), an
-- optional token for comments back, and which issue label makes which task
-- type. Each issue is linked to the one task it made; the newest issue state
-- applied is kept, so an older or replayed body never rolls the task back.
-- When a linked task reaches done, a comment waits in its own outbox until
-- GitHub has taken it. Deliveries are remembered in webhook_deliveries
-- (delivery id 'github:<X-GitHub-Delivery>'), with the completion webhook's.

create table github_integrations (
  workspace_id uuid primary key references workspaces (id) on delete cascade,
  -- owner/name as GitHub spells it; looked up without regard to case.
  repository text not null check (char_length(repository) <= 140),
  constraint github_integrations_repository_shape check (repository ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
  webhook_secret text not null check (char_length(webhook_secret) between 16 and 200),
  -- For comments back; never sent to a page (only its last four characters).
  token text check (char_length(token) between 1 and 400),
  -- Issue label (lower case) -> task type key.
  label_types jsonb not null default '{}'::jsonb check (jsonb_typeof(label_types) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table github_integrations enable row level security;

create unique index github_integrations_repository_key on github_integrations (lower(repository));

-- One task per issue. issue_updated_at is the issue's updated_at as last applied.
create table github_issue_links (
  task_id uuid primary key references tasks (id) on delete cascade,
  workspace_id uuid not null references workspaces (id) on delete cascade,
  -- Copied from the integration.
  repository text not null,
  issue_number int not null check (issue_number > 0),
  issue_url text not null default '' check (char_length(issue_url) <= 500),
  issue_updated_at timestamptz not null,
  created_at timestamptz not null default now()
);

alter table github_issue_links enable row level security;

create unique index github_issue_links_issue_key on github_issue_links (workspace_id, lower(repository), issue_number);

-- A comment to post on a linked issue when its task reached done. Claimed
-- with a lease like the notifications outbox (decision 047); a sent row is
-- never picked again.
create table github_comment_outbox (
  id uuid primary key default gen_random_uuid(),
  task_id uuid references tasks (id) on delete set null,
  workspace_id uuid not null references workspaces (id) on delete cascade,
  repository text not null,
  issue_number int not null check (issue_number > 0),
  -- What the comment is written from (app/domain/github.ts).
  facts jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'sent')),
  attempts int not null default 0,
  deliver_after timestamptz not null default now(),
  lease_holder text,
  lease_until timestamptz,
  last_error text,
  last_status_code int,
  comment_url text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);

alter table github_comment_outbox enable row level security;

create index github_comment_outbox_due_idx on github_comment_outbox (deliver_after) where status = 'pending';

create index github_comment_outbox_task_idx on github_comment_outbox (task_id);
