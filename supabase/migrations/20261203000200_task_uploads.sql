-- Files an operator attaches to a task for its agent: stored in the task's
-- folder beside the agent's own files (FILES_DIR/<task>/<path>), recorded
-- here with who uploaded them. The path is the stored file's name, unique
-- per task; the row goes with its task.
create table task_uploads (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references tasks (id) on delete cascade,
  path text not null check (char_length(path) between 1 and 200 and path !~ '[/\\]' and path not like '.%'),
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  uploaded_by uuid references users (id) on delete set null,
  uploaded_by_name text not null default '' check (char_length(uploaded_by_name) <= 200),
  created_at timestamptz not null default now(),
  unique (task_id, path)
);

create index task_uploads_task_idx on task_uploads (task_id, created_at desc);

alter table task_uploads enable row level security;
