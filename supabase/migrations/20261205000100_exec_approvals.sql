-- compatible-with-previous: true
-- Exec approvals under Mission Control's policy (decision 043): every command
-- OpenClaw asks about is recorded here with what the policy decided, the
-- approval it waits on (if any) and when the gateway took the decision. Task
-- types carry an allowlist of command patterns that admins edit.

alter table task_types add column exec_allowlist text[] not null default '{}'
  check (cardinality(exec_allowlist) <= 50 and array_to_string(exec_allowlist, '') !~ '[\n\r]');

create table exec_requests (
  id uuid primary key default gen_random_uuid(),
  -- The gateway's approval id: a replayed request finds its first record.
  gateway_request_id text not null unique check (char_length(gateway_request_id) between 1 and 200),
  workspace_id uuid references workspaces (id) on delete set null,
  task_id uuid references tasks (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  gateway_agent_id text check (char_length(gateway_agent_id) <= 200),
  session_key text check (char_length(session_key) <= 500),
  run_id text check (char_length(run_id) <= 200),
  -- The agent's tool call the command came from: the transcript shows the decision beside it.
  tool_call_id text check (char_length(tool_call_id) <= 200),
  command text not null check (char_length(command) between 1 and 20000),
  argv jsonb,
  cwd text check (char_length(cwd) <= 4000),
  host text check (char_length(host) <= 200),
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  -- What the policy said: allow now, a veto window, an approver, or deny now.
  gate text not null check (gate in ('allow', 'hotl', 'hitl', 'deny')),
  gate_by text not null check (char_length(gate_by) <= 100),
  approval_id uuid references approvals (id) on delete set null,
  -- What Mission Control tells the gateway, once it is known.
  decision text check (decision in ('allow-once', 'deny')),
  decision_reason text check (char_length(decision_reason) <= 2000),
  decided_at timestamptz,
  gateway_expires_at timestamptz not null,
  -- When the gateway took the decision, or why it could not.
  resolved_at timestamptz,
  resolve_error text check (char_length(resolve_error) <= 2000),
  created_at timestamptz not null default now()
);

alter table exec_requests enable row level security;

create index exec_requests_task_idx on exec_requests (task_id, created_at desc);

-- The decisions still to be told to the gateway.
create index exec_requests_unresolved_idx on exec_requests (created_at) where resolved_at is null and resolve_error is null;

create index exec_requests_approval_idx on exec_requests (approval_id) where approval_id is not null;
